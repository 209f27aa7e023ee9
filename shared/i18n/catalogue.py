"""The message catalogue: every problem type's title and detail and every rule code's message, in
Simplified Chinese and English. The ONE place these sentences live.

Keys are the stable machine codes (`type` slugs and `rule` codes); a code is never renamed for a
better sentence. `tests/unit/i18n/test_catalogue_complete.py` scans `shared/` and `services/`
and fails when a rule code or problem type used in the source has no entry here.

A rule's sentence says, in general, what the rule wants; the specifics of one refusal (the
planned items, the date it must not pass) stay in the original message and are kept beside it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["HTTP_STATUS_TITLES", "PROBLEM_TYPES", "RULES", "ProblemText", "Text"]


@dataclass(frozen=True)
class Text:
    """One sentence in both languages."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        """The sentence in one language.

        Args:
            language: "en" or "zh-CN" (anything but "en" gets Chinese, the default).

        Returns:
            The English or the Chinese sentence.
        """
        return self.en if language == "en" else self.zh


@dataclass(frozen=True)
class ProblemText:
    """A problem type's title and its general detail, in both languages."""

    title: Text
    detail: Text


def _p(title_en: str, title_zh: str, detail_en: str, detail_zh: str) -> ProblemText:
    return ProblemText(Text(title_en, title_zh), Text(detail_en, detail_zh))


# Problem types by the slug after https://renovation.city.example/problems/ .
PROBLEM_TYPES: dict[str, ProblemText] = {
    "unauthenticated": _p(
        "Unauthenticated", "未通过身份认证", "No valid bearer token.", "缺少有效的访问令牌（Bearer token）。"
    ),
    "forbidden": _p("Forbidden", "无权操作", "The caller may not do this.", "调用方无权执行此操作。"),
    "not-found": _p(
        "Not found",
        "未找到",
        "No such record, or not one the caller may see.",
        "记录不存在，或调用方无权查看。",
    ),
    "conflict": _p(
        "Conflict",
        "与现有数据冲突",
        "The request conflicts with the stored state.",
        "请求与已保存的数据状态冲突。",
    ),
    "rule-violation": _p(
        "Domain rule violated", "违反业务规则", "A domain rule refuses the request.", "请求不符合业务规则。"
    ),
    "bad-request": _p("Bad request", "请求有误", "The request cannot be processed.", "无法处理该请求。"),
    "validation": _p(
        "Request validation failed",
        "请求校验未通过",
        "One or more fields are invalid.",
        "一个或多个字段无效。",
    ),
    "content-too-large": _p(
        "Content too large",
        "请求内容过大",
        "The request body is larger than the limit.",
        "请求体超过大小上限。",
    ),
    "too-many-requests": _p(
        "Too many requests", "请求过于频繁", "Too many requests; retry later.", "请求过于频繁，请稍后重试。"
    ),
    "service-unavailable": _p(
        "Service unavailable",
        "服务暂不可用",
        "The service cannot reach its database or message broker just now; nothing was written. "
        "Retry later (a command with the same Idempotency-Key).",
        "服务暂时无法连接数据库或消息中间件，未写入任何数据。"
        "请稍后重试（命令请使用相同的 Idempotency-Key）。",
    ),
    "internal": _p(
        "Internal error",
        "内部错误",
        "The request failed; it has been logged. Nothing was written.",
        "请求处理失败，已记录日志，未写入任何数据。",
    ),
}

# Framework HTTP errors answered as `http-<status>`: the Chinese title by status (the English
# title stays the framework's reason phrase, as before).
HTTP_STATUS_TITLES: dict[int, Text] = {
    400: Text("Bad Request", "请求有误"),
    401: Text("Unauthorized", "未通过身份认证"),
    403: Text("Forbidden", "无权操作"),
    404: Text("Not Found", "未找到该地址"),
    405: Text("Method Not Allowed", "该地址不支持此请求方法"),
    406: Text("Not Acceptable", "无法提供可接受的响应格式"),
    409: Text("Conflict", "与现有数据冲突"),
    413: Text("Content Too Large", "请求内容过大"),
    415: Text("Unsupported Media Type", "不支持的请求内容类型"),
    422: Text("Unprocessable Content", "无法处理的请求内容"),
    429: Text("Too Many Requests", "请求过于频繁"),
    500: Text("Internal Server Error", "内部错误"),
    503: Text("Service Unavailable", "服务暂不可用"),
}

# Rule codes: the platform's own (raised in shared/ and services/), the outbound URL guard's
# (shared/outbound.py, reported on webhook URLs), and the request-validation codes of pydantic.
RULES: dict[str, Text] = {
    # --- registry: projects, planning, consultation, construction, acceptance, takeover
    "acceptance_party": Text(
        "Defects are recorded by a party to the acceptance.", "整改问题须由参加验收的单位记录。"
    ),
    "acceptance_role": Text(
        "Use a sign-off role the programme names.", "请使用本项目计划规定的验收签字单位。"
    ),
    "all_parties_sign": Text(
        "Acceptance is joint: every party must sign.", "联合验收须由各参加单位全部签字。"
    ),
    "at_most_consulted": Text(
        "Cannot exceed the households consulted.", "同意户数不能超过参与征求意见的户数。"
    ),
    "at_most_households": Text("Cannot exceed the community's households.", "不能超过小区总户数。"),
    "catalogue_item": Text(
        "Use an item of the programme's catalogue.", "请使用本项目计划改造内容清单中的项目。"
    ),
    "consultation_threshold": Text(
        "The residents' agreement is below the programme's threshold.", "居民同意比例未达到本项目计划要求。"
    ),
    "eligible_community": Text("The community is not eligible for the programme.", "该小区不符合改造条件。"),
    "existing_district": Text(
        "Use a district of the organisation directory.", "请使用组织目录中已有的区县。"
    ),
    "exists": Text("No record with this id.", "不存在该编号的记录。"),
    "known_exclusion": Text(
        "Use an exclusion the programme names.", "请使用本项目计划规定的不纳入改造情形。"
    ),
    "known_programme": Text("Use a programme's code.", "请使用已有改造计划的代码。"),
    "latest_version": Text("Approve the latest plan version.", "请审批最新版本的改造方案。"),
    "lifecycle_order": Text("Steps follow the programme's order.", "改造流程须按本项目计划规定的顺序推进。"),
    "not_after_acceptance": Text("Must be on or before the acceptance date.", "不得晚于验收日期。"),
    "not_before_previous_step": Text("Must not be before the previous step.", "不得早于上一环节的日期。"),
    "not_before_programme_year": Text(
        "Must not be before the programme's year began.", "不得早于改造计划所属年度的1月1日。"
    ),
    "not_before_programme": Text(
        "Must not be before the programme was issued.", "不得早于改造计划印发日期。"
    ),
    "not_before_publicity_from": Text("Must not be before the publicity began.", "不得早于公示开始日期。"),
    "over_plan_needs_confirmation": Text(
        "Far above the plan: check the figure or confirm it.", "金额远超计划数，请核对，或确认后再提交。"
    ),
    "planned_item": Text("Use an item of the approved plan.", "请使用已批准改造方案中的项目。"),
    "programme_tier": Text("Use a tier the programme names.", "请使用本项目计划规定的项目类别。"),
    "publicity_period": Text("The publicity period is shorter than required.", "公示期短于规定天数。"),
    "service_level": Text("Use a service level the programme names.", "请使用本项目计划规定的物业服务等级。"),
    "service_level_items": Text(
        "The commitments must be the service level's items.", "服务承诺须与所选物业服务等级的事项一致。"
    ),
    "sign_off_round_order": Text(
        "A round signs after the previous round is complete.", "后一轮签字须在前一轮全部完成之后。"
    ),
    "takeover_mode": Text("Use a takeover mode the programme names.", "请使用本项目计划规定的物业接管方式。"),
    "unique": Text("Must be unique.", "不得重复。"),
    # --- registry: daily safety patrols, deadlines, demonstration areas
    "daily_patrol_programme": Text(
        "The programme's plan asks for no daily safety patrol.", "本项目计划未规定每日安全巡查。"
    ),
    "one_patrol_per_day": Text(
        "That day's patrol is already recorded for this project.", "该项目当天的巡查记录已登记。"
    ),
    "patrol_during_construction": Text(
        "A patrol is dated within the construction period.", "巡查日期须在施工期间（开工至竣工）。"
    ),
    "acceptance_recorded": Text(
        "The form exists once the acceptance or a failed inspection is recorded.",
        "验收或验收不合格记录后才有验收单。",
    ),
    "central_fund_list": Text(
        "The programme has no central-fund list.", "本项目计划没有中央补助资金小区名单。"
    ),
    "central_fund_list_full": Text("The central-fund list is full.", "中央补助资金小区名单已满。"),
    "demonstration_area_programme": Text(
        "The programme's plan sets no demonstration areas.", "本项目计划未设示范区。"
    ),
    "demonstration_area_size": Text(
        "A demonstration area needs at least the plan's number of communities.",
        "示范区所含老旧小区数量不得少于计划规定的数量。",
    ),
    "one_area_per_community": Text(
        "The community is already in a demonstration area.", "该小区已划入其他示范区。"
    ),
    "same_programme": Text(
        "Everything named must belong to the same programme.", "所列小区或项目须属于同一改造计划。"
    ),
    # --- registry: the ledger spreadsheet import
    "spreadsheet_type": Text("Upload the ledger as XLSX or CSV.", "请上传 XLSX 或 CSV 格式的台账。"),
    "spreadsheet_empty": Text("The file has no ledger rows.", "文件中没有台账内容。"),
    "spreadsheet_unreadable": Text(
        "The file cannot be read as XLSX or CSV.", "无法按 XLSX 或 CSV 格式读取该文件。"
    ),
    "spreadsheet_encoding": Text(
        "A CSV file must be UTF-8 encoded.", "CSV 文件须为 UTF-8 编码（Excel 另存为“CSV UTF-8”）。"
    ),
    "spreadsheet_too_long": Text(
        "The file has more rows than one import allows.", "文件行数超过单次导入上限，请分文件导入。"
    ),
    "spreadsheet_too_wide": Text("The sheet has too many columns.", "表格列数过多。"),
    "ledger_column": Text("Use the template's column headings.", "请使用台账模板中的列名。"),
    "cell_too_long": Text("The cell is too long.", "单元格内容过长。"),
    "ledger_flag": Text("Write 是 or 否.", "请填写“是”或“否”。"),
    "own_district": Text("A district imports its own ledger only.", "各区只能导入本区的台账。"),
    "ledger_duplicate_row": Text(
        "The same community appears twice in the file.", "同一小区在文件中重复出现。"
    ),
    "ledger_conflict": Text(
        "The community is already in the ledger with other facts; correct it there.",
        "该小区已在台账中且信息不同，请通过重新认定或分类更正，不能用导入覆盖。",
    ),
    "invalid_rows": Text(
        "Some rows are invalid, so nothing was imported.", "存在不合格的行，本次未导入任何数据。"
    ),
    "import_interrupted": Text(
        "The import was interrupted; upload the file again.", "导入被中断，请重新上传文件。"
    ),
    "import_error": Text("The import failed; upload the file again.", "导入失败，请重新上传文件。"),
    # --- registry: utilities' pipeline work
    "not_before_work_start": Text("Must not be before the work started.", "不得早于该管线工程的开工日期。"),
    "open_pipeline_work": Text(
        "Pipeline work in the project is still open: wait for it, or record an exemption.",
        "项目内仍有未完成的管线工程：请待其完工，或由区里登记豁免。",
    ),
    "open_work_of_project": Text(
        "Name open pipeline work of this project.", "请填写本项目中尚未完成的管线工程。"
    ),
    "pipeline_work_order": Text(
        "Pipeline work is started, then completed, once each.", "管线工程须先开工、后完工，且各只登记一次。"
    ),
    "planned_end_not_before_start": Text(
        "The planned end must not be before the planned start.", "计划完工日期不得早于计划开工日期。"
    ),
    "project_closed": Text(
        "The project is closed: its pipeline work can no longer change.",
        "项目已结束（销号），管线工程不能再变更。",
    ),
    "responsible_utility": Text(
        "Use a utility company the programme makes responsible for the item.",
        "请选择本项目计划规定负责该改造内容的专业经营单位。",
    ),
    "utility_company": Text("Use a utility company from the directory.", "请选择机构名录中的专业经营单位。"),
    # --- funding
    "at_least_minimum_period": Text(
        "The period is shorter than the programme's minimum.", "期限短于本项目计划规定的最短期限。"
    ),
    "exceeds_month_owed": Text("More than is owed for the month.", "超过该月应付金额。"),
    "at_least_minimum_rate": Text(
        "The rate is below the programme's standard.", "补贴标准低于本项目计划规定的最低标准。"
    ),
    "required_below_standard": Text(
        "A rate below the standard needs the district's reason.", "补贴标准低于规定标准的，须说明理由。"
    ),
    "exceeds_outstanding": Text("More than is outstanding.", "超过尚未拨付的金额。"),
    "known_source": Text("Use a funding source of the programme.", "请使用本项目计划规定的资金来源。"),
    "allocation_must_be_proposed": Text(
        "Only a proposed central-fund allocation can be approved.", "只有待审批的中央资金分配方案才能批准。"
    ),
    "central_funds_by_allocation": Text(
        "Central funds are committed only by an approved allocation to a listed project.",
        "中央补助资金只能通过已批准的分配方案落实到列入名单的项目。",
    ),
    "has_central_funds": Text(
        "This programme allocates no central funds.", "该实施方案没有中央补助资金分配。"
    ),
    "known_project": Text("The funding service knows no such project.", "资金系统中没有该项目。"),
    "matches_ledger": Text(
        "The floor area comes from the ledger; omit it or send the same figure.",
        "建筑面积以台账为准；请省略或填写与台账一致的数值。",
    ),
    "required": Text("This field is required here.", "此处必须填写该字段。"),
    "within_listed_count": Text(
        "More projects than the programme's list of centrally funded communities.",
        "超过中央资金补助小区名单的数量。",
    ),
    "within_remaining_need": Text(
        "More than the project still needs; propose the allocation again.",
        "超过项目尚需资金，请重新提出分配方案。",
    ),
    "money_bounds": Text("The amount is outside the allowed range.", "金额超出允许范围。"),
    "must_be_approved": Text("The award must be approved first.", "奖补须先经审批。"),
    "must_be_proposed": Text("Only a proposed award can be decided.", "只有待审批的奖补才能作出决定。"),
    "non_negative_decimal": Text("A non-negative decimal number.", "须为非负的十进制数。"),
    "not_a_payment": Text("Not a payment entry.", "该条目不是拨付记录。"),
    "not_before_approval": Text("Must not be before the approval.", "不得早于审批日期。"),
    "not_before_payment": Text("Must not be before the payment.", "不得早于拨付日期。"),
    "not_in_future": Text("Must not be in the future (Asia/Shanghai).", "不得晚于今天（北京时间）。"),
    "receipt_within_commitment": Text(
        "A receipt cannot exceed what the source committed.", "到位资金不能超过该来源承诺的金额。"
    ),
    "scheduled_month": Text("The first day of a month in the schedule.", "须为计划表中某月的第一天。"),
    "sum_equals_investment": Text("The items must add up to the investment.", "各分项之和须等于总投资。"),
    # --- reporting
    "money_ceiling": Text("Above the money ceiling.", "超过金额上限。"),
    "no_weekly_report": Text("No weekly report for this week.", "本周没有周报。"),
    "no_monthly_report": Text(
        "The programme's plan asks for no monthly report.", "该改造计划未要求报送月报。"
    ),
    "non_negative": Text("Must not be negative.", "不得为负数。"),
    "not_a_reporter": Text(
        "This organisation does not report for the programme.", "该单位不是本项目计划的报送单位。"
    ),
    "period_not_over": Text("The period is not over yet.", "统计周期尚未结束。"),
    "unknown_figure": Text("Not a reporting figure.", "不是统计报表中的指标。"),
    "unknown_programme": Text("Use a programme's code.", "请使用已有改造计划的代码。"),
    "month_format": Text("A month as YYYY-MM, e.g. 2026-10.", "请按“年-月”填写月份，例如 2026-10。"),
    "no_monthly_evaluation": Text(
        "The programme's plan sets no monthly evaluation.", "本项目计划未规定月考评。"
    ),
    "numerator_within_denominator": Text("At most the denominator.", "分子不得大于分母。"),
    "outside_jurisdiction": Text(
        "The district is not in the programme's plan.", "该区县不在本项目计划范围内。"
    ),
    "rate_needs_denominator": Text(
        "A rate needs a positive denominator (what it is a share of).",
        "比率指标须填写大于零的分母（统计基数）。",
    ),
    "unknown_indicator": Text(
        "Use an indicator the plan sets for the district.", "请使用本项目计划为该区县规定的指标。"
    ),
    "value_has_no_denominator": Text(
        "This indicator is a value, not a rate: leave the denominator out.",
        "该指标为数值而非比率，请勿填写分母。",
    ),
    # --- notification
    "after_since": Text("`until` must be after `since`.", "结束时间须晚于开始时间。"),
    "duplicate_subscription": Text(
        "Subscribe once per endpoint and event types.", "同一接收地址和事件类型只能订阅一次。"
    ),
    "entitled_event_type": Text(
        "This organisation may not receive this event type.", "该单位无权接收此类事件。"
    ),
    "known_event_type": Text("Use a published event type.", "请使用已发布的事件类型。"),
    "known_item": Text(
        "Use an item of the filtered programmes' catalogues.", "请使用所筛选改造计划清单中的改造内容代码。"
    ),
    "district_filter": Text("A district filters on its own district only.", "各区只能按本区筛选。"),
    "subscription_active": Text(
        "The subscription has ended; create a new one.", "该订阅已终止，请新建订阅。"
    ),
    "mailbox_address": Text(
        "A plain address like name@example.gov.cn.", "请填写普通邮箱地址，例如 name@example.gov.cn。"
    ),
    "not_for_channel": Text("This channel has no such field.", "该通知渠道不使用此字段。"),
    "required_for_channel": Text("This channel needs this field.", "该通知渠道必须填写此字段。"),
    "subscriptions_per_organisation": Text(
        "Too many subscriptions for this organisation.", "该单位的订阅数量已达上限。"
    ),
    # --- web layer
    "idempotency_key_reused": Text(
        "This Idempotency-Key was used for a different request.",
        "该幂等键（Idempotency-Key）已用于另一个不同的请求。",
    ),
    "cursor_invalid": Text(
        "Use the cursor from the previous page's Link header.",
        "请使用上一页 Link 响应头中给出的游标（after）。",
    ),
    # --- outbound URL guard (webhook endpoints), shared/outbound.py
    "credentials_in_url": Text("A URL must not carry credentials.", "地址中不得包含用户名或密码。"),
    "host_required": Text("The URL has no host.", "地址缺少主机名。"),
    "http_or_https": Text("Only http and https URLs are allowed.", "只允许 http 或 https 地址。"),
    "https_required": Text("Only https URLs are allowed here.", "此处只允许 https 地址。"),
    "internal_host_name": Text("The host name is inside a network.", "主机名指向内部网络。"),
    "invalid_host": Text("The host is not a valid host name.", "主机名无效。"),
    "invalid_url": Text("The URL cannot be parsed.", "地址格式无效。"),
    "link_local_address": Text("The destination is a link-local address.", "目标地址为链路本地地址。"),
    "loopback_address": Text("The destination is a loopback address.", "目标地址为本机回环地址。"),
    "multicast_address": Text("The destination is a multicast address.", "目标地址为组播地址。"),
    "non_global_address": Text("The destination is not a public address.", "目标地址不是公网地址。"),
    "private_address": Text("The destination is a private address.", "目标地址为内网地址。"),
    "reserved_address": Text("The destination is a reserved address.", "目标地址为保留地址。"),
    "unresolvable_host": Text("The host does not resolve.", "无法解析该主机名。"),
    "unspecified_address": Text("The destination is an unspecified address.", "目标地址为未指定地址。"),
    "url_too_long": Text("The URL is too long.", "地址过长。"),
    # --- request validation (pydantic error types)
    "json_invalid": Text("The request body is not valid JSON.", "请求体不是有效的 JSON。"),
    "extra_forbidden": Text("Unknown field: check its spelling.", "未知字段，请检查拼写。"),
    "missing": Text("Field required.", "缺少必填字段。"),
    "string_type": Text("Must be a string.", "须为字符串。"),
    "string_too_short": Text("Too short.", "长度过短。"),
    "string_too_long": Text("Too long.", "长度过长。"),
    "string_pattern_mismatch": Text("Does not match the required format.", "格式不符合要求。"),
    "int_type": Text("Must be an integer.", "须为整数。"),
    "int_parsing": Text("Must be an integer.", "须为整数。"),
    "int_from_float": Text("Must be a whole number.", "须为整数，不能带小数。"),
    "float_type": Text("Must be a number.", "须为数字。"),
    "float_parsing": Text("Must be a number.", "须为数字。"),
    "decimal_type": Text("Must be a decimal number.", "须为十进制数。"),
    "decimal_parsing": Text("Must be a decimal number.", "须为十进制数。"),
    "decimal_max_digits": Text("Too many digits.", "数字位数过多。"),
    "decimal_max_places": Text("Too many decimal places.", "小数位数过多。"),
    "decimal_format": Text(
        'Write a plain decimal string, e.g. "25000.50" (no sign, exponent or spaces).',
        '请写成普通十进制数字字符串，如 "25000.50"（不带正负号、指数或空格）。',
    ),
    "bool_type": Text("Must be true or false.", "须为 true 或 false。"),
    "bool_parsing": Text("Must be true or false.", "须为 true 或 false。"),
    "greater_than": Text("Too small.", "数值过小。"),
    "greater_than_equal": Text("Too small.", "数值过小。"),
    "less_than": Text("Too large.", "数值过大。"),
    "less_than_equal": Text("Too large.", "数值过大。"),
    "multiple_of": Text("Not a permitted multiple.", "须为规定数值的整数倍。"),
    "finite_number": Text("Must be a finite number.", "须为有限数值。"),
    "enum": Text("Use one of the permitted values.", "请使用允许的取值之一。"),
    "literal_error": Text("Use one of the permitted values.", "请使用允许的取值之一。"),
    "date_type": Text("Must be a date (YYYY-MM-DD).", "须为日期（YYYY-MM-DD）。"),
    "date_parsing": Text("Must be a date (YYYY-MM-DD).", "须为日期（YYYY-MM-DD）。"),
    "date_from_datetime_parsing": Text("Must be a date (YYYY-MM-DD).", "须为日期（YYYY-MM-DD）。"),
    "date_from_datetime_inexact": Text("Must be a date without a time.", "须为日期，不能带时间。"),
    "datetime_type": Text("Must be a date and time.", "须为日期时间。"),
    "datetime_parsing": Text("Must be a date and time (ISO 8601).", "须为日期时间（ISO 8601）。"),
    "datetime_from_date_parsing": Text("Must be a date and time (ISO 8601).", "须为日期时间（ISO 8601）。"),
    "timezone_aware": Text("Must carry a time zone.", "须带时区。"),
    "uuid_type": Text("Must be a UUID.", "须为 UUID。"),
    "uuid_parsing": Text("Must be a UUID.", "须为 UUID。"),
    "url_type": Text("Must be a URL.", "须为网址。"),
    "url_parsing": Text("Must be a URL.", "须为网址。"),
    "url_scheme": Text("The URL scheme is not allowed.", "不允许该网址协议。"),
    "list_type": Text("Must be a list.", "须为列表。"),
    "dict_type": Text("Must be an object.", "须为对象。"),
    "model_type": Text("Must be an object.", "须为对象。"),
    "model_attributes_type": Text("Must be an object.", "须为对象。"),
    "too_short": Text("Too few items.", "条目过少。"),
    "too_long": Text("Too many items.", "条目过多。"),
    "value_error": Text("The value is not acceptable.", "取值无效。"),
    "assertion_error": Text("The value is not acceptable.", "取值无效。"),
    "union_tag_invalid": Text("Unknown kind.", "类型未知。"),
    "union_tag_not_found": Text("The kind is missing.", "缺少类型字段。"),
    "none_required": Text("Must be empty (null).", "须为空（null）。"),
    "set_type": Text("Must be a list of distinct items.", "须为不重复条目的列表。"),
}
