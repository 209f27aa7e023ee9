// The office's dashboard: reads the reporting API with the user's token and draws what it answers.
// The API decides what a token may see (a district sees only itself); the page only asks and shows.
// No inline script or style (the page runs under a strict CSP); text is set with textContent only.
"use strict";

(() => {
  const TEXT = window.DASHBOARD_TEXT;
  const $ = (id) => document.getElementById(id);
  const state = {
    lang: sessionStorage.getItem("dashboard.lang") || "zh-CN",
    token: sessionStorage.getItem("dashboard.token"),
    programmes: [],
    programme: sessionStorage.getItem("dashboard.programme"),
    district: null,
    street: null,
    claims: {},
    charts: {},
    latest: {},
  };

  // ---- words, elements, numbers -------------------------------------------------------------
  function t(key, vars) {
    let s = (TEXT[state.lang] || TEXT["zh-CN"])[key] ?? key;
    for (const [k, v] of Object.entries(vars || {})) s = s.replace(`{${k}}`, v);
    return s;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "on") node.addEventListener("click", v);
      else if (v !== null && v !== undefined) node.setAttribute(k, v);
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  const fmt = (n) => (n === null || n === undefined ? "—" : Number(n).toLocaleString(state.lang));
  const pct = (share) => (share === null || share === undefined ? "—" : `${(Number(share) * 100).toFixed(1)}%`);
  // fen to 10k yuan for display only; the API's figures stay exact integers
  const wan = (fen) => (Number(fen) / 1_000_000).toLocaleString(state.lang, { maximumFractionDigits: 1 });

  function programme() {
    return state.programmes.find((p) => p.code === state.programme);
  }

  function districtName(code) {
    const found = programme()?.districts.find((d) => d.code === code);
    if (!found) return code;
    return state.lang === "en" ? found.name_en : found.name_zh;
  }

  function applyText() {
    document.documentElement.lang = state.lang;
    document.title = t("title");
    for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
    $("lang").textContent = state.lang === "en" ? "中文" : "English";
  }

  // ---- the API -------------------------------------------------------------------------------
  async function api(path, params) {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(params || {})) if (v !== null && v !== undefined && v !== "") url.searchParams.set(k, v);
    const response = await fetch(url, {
      headers: { Authorization: `Bearer ${state.token}`, "Accept-Language": state.lang },
    });
    if (response.status === 401) {
      logout(t("loginRefused"));
      throw new Error("unauthenticated");
    }
    const type = response.headers.get("content-type") || "";
    const body = type.includes("json") ? await response.json() : await response.blob();
    return { ok: response.ok, status: response.status, body };
  }

  async function get(path, params) {
    try {
      const answer = await api(path, params);
      return answer.ok ? answer.body : null;
    } catch (error) {
      if (error.message === "unauthenticated") throw error;
      return null;
    }
  }

  async function download(path, params, filename) {
    const answer = await api(path, params);
    if (!answer.ok) {
      $("error").textContent = answer.body?.detail || String(answer.status);
      return;
    }
    const link = el("a", { href: URL.createObjectURL(answer.body), download: filename });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // ---- log in and out ------------------------------------------------------------------------
  function claimsOf(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(decodeURIComponent(escape(atob(part))));
    } catch {
      return {};
    }
  }

  function logout(message) {
    sessionStorage.removeItem("dashboard.token");
    state.token = null;
    $("main").hidden = true;
    $("logout").hidden = true;
    $("login").hidden = false;
    $("login-error").textContent = message || "";
  }

  async function login() {
    const token = $("token").value.trim();
    if (!token) return;
    state.token = token;
    const answer = await api("/programmes").catch(() => null);
    if (!answer || !answer.ok) {
      logout(t("loginRefused"));
      return;
    }
    sessionStorage.setItem("dashboard.token", token);
    $("token").value = "";
    await start(answer.body);
  }

  async function start(programmes) {
    state.programmes = programmes;
    state.claims = claimsOf(state.token);
    if (!programmes.some((p) => p.code === state.programme)) {
      const withDistricts = programmes.filter((p) => p.districts.length);
      state.programme = (withDistricts.find((p) => p.code === "zhengzhou-2019") || withDistricts[0] || programmes[0]).code;
    }
    const select = $("programme");
    select.replaceChildren(...programmes.filter((p) => p.districts.length).map((p) => el("option", { value: p.code }, state.lang === "en" ? p.name_en : p.name_zh)));
    select.value = state.programme;
    $("login").hidden = true;
    $("main").hidden = false;
    $("logout").hidden = false;
    route();
  }

  // ---- routing: #/ is the city, #/district/CODE a district, #/district/CODE/report/ID a report,
  // #/district/CODE/street/NAME one of its street offices ("~" for figures with no street office) ----
  const NO_STREET = "~";
  function route() {
    const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
    state.district = parts[0] === "district" ? parts[1] : null;
    state.report = parts[2] === "report" ? parts[3] : null;
    state.street = parts[2] === "street" && parts[3] ? decodeURIComponent(parts[3]) : null;
    if (state.street === NO_STREET) state.street = "";
    if (!state.district && state.claims.district) {
      window.location.hash = `#/district/${state.claims.district}`;
      return;
    }
    render();
  }

  function go(district, report) {
    window.location.hash = district ? `#/district/${district}${report ? `/report/${report}` : ""}` : "#/";
  }

  function goStreet(district, office) {
    window.location.hash = `#/district/${district}/street/${encodeURIComponent(office || NO_STREET)}`;
  }

  const streetName = (r) => (r.street_office ? r.street_office : t("noStreetOffice"));

  // ---- rendering -----------------------------------------------------------------------------
  function asOf() {
    return $("as-of").value || null;
  }

  const iso = (d) => `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;

  // the Monday of the week before `day` (a local calendar date, as the office reads it)
  function lastWeekStart(day) {
    const d = day ? new Date(`${day}T00:00:00`) : new Date();
    d.setDate(d.getDate() - ((d.getDay() + 6) % 7) - 7);
    return iso(d);
  }

  let rendering = 0;
  async function render() {
    const mine = ++rendering;
    applyText();
    $("error").textContent = "";
    const p = programme();
    const code = state.district;
    const who = t("whoAmI", { org: state.claims.org || "?" }) + (state.claims.district ? t("whoDistrict", { district: districtName(state.claims.district) }) : "");
    $("who").textContent = who;
    renderCrumbs();
    const day = asOf();
    const params = { programme: p.code };
    const dated = day ? { ...params, period: "day", date: day } : params;
    const year = (day ? new Date(day) : new Date()).getFullYear();
    const [rollups, progress, series, bulletins, forecast, indicators, evaluations, weekReports, centralList] = await Promise.all([
      get("/rollups/districts", dated),
      p.yearly_targets ? get("/progress/districts", { ...params, date: day }) : null,
      get("/progress/series", { ...params, periods: 26, district: code, date: day }),
      get("/bulletins", params),
      p.yearly_targets ? get("/forecast", { ...params, year }) : null,
      get("/indicators", { ...params, date: day }),
      get("/evaluations", params),
      p.weekly_reports ? get("/weekly-reports", { ...params, week_of: lastWeekStart(day) }) : null,
      p.central_list ? get("/progress/central-list", { ...params, date: day }) : null,
    ]);
    if (mine !== rendering) return;
    const only = (rows) => (rows || []).filter((r) => !code || r.district_code === code);
    const shown = only(rollups);
    if (code && !shown.length) $("error").textContent = t("notVisible");
    state.latest = { bulletin: (bulletins || [])[0], evaluation: (evaluations || [])[0] };
    renderKpis(shown, only(progress));
    renderProgress(series || []);
    renderFunnel(shown);
    renderRanking(only(progress));
    renderForecast(only(forecast));
    renderWatch(state.latest.bulletin, only(progress), only(forecast), weekReports, code, centralList);
    renderDistricts(shown, only(progress));
    renderIndicators(only(indicators));
    renderEvaluation(state.latest.evaluation, code);
    $("export-bulletin").hidden = !state.latest.bulletin;
    $("export-evaluation").hidden = !state.latest.evaluation;
    $("reports-panel").hidden = !code || !p.weekly_reports;
    $("streets-panel").hidden = !code;
    if (code) await renderStreets(code, dated, mine);
    if (code) await renderStreetProjects(code, day, mine);
    if (code && p.weekly_reports) await renderReports(code, day);
  }

  // the district's street offices (街道), each a drill-down; in a street office's view only its row
  async function renderStreets(code, dated, mine) {
    const rows = await get(`/rollups/districts/${encodeURIComponent(code)}/street-offices`, dated);
    if (mine !== rendering) return;
    const shown = (rows || []).filter((r) => state.street === null || r.street_office === state.street);
    const m2 = (dm2) => (Number(dm2) / 100).toLocaleString(state.lang, { maximumFractionDigits: 2 });
    table(
      $("streets"),
      [[t("streetOffice"), "text"], [t("ledgerCommunities")], [t("eligibleCommunities")], [t("households")], [t("floorArea")], [t("registered")], [t("started")], [t("completed")], [t("done")], [t("closed")]],
      shown.map((r) =>
        el(
          "tr",
          { class: "link", "data-street": r.street_office || NO_STREET, on: () => goStreet(code, r.street_office) },
          el("td", { class: "text" }, streetName(r)),
          el("td", { "data-figure": "ledger" }, fmt(r.ledger_communities)),
          el("td", { "data-figure": "eligible" }, fmt(r.eligible_communities)),
          el("td", {}, fmt(r.eligible_households)),
          el("td", {}, m2(r.eligible_floor_area_dm2)),
          el("td", {}, fmt(r.registered_projects)),
          el("td", {}, fmt(r.started_projects)),
          el("td", {}, fmt(r.completed_projects)),
          el("td", { "data-figure": "accepted" }, fmt(r.accepted_projects)),
          el("td", {}, fmt(r.closed_projects)),
        ),
      ),
    );
  }

  // a street office's projects and the day each reached its steps (the last level of the drill-down)
  async function renderStreetProjects(code, day, mine) {
    const shown = state.street !== null;
    $("street-projects").hidden = $("street-projects-title").hidden = !shown;
    if (!shown) return;
    const params = { programme: state.programme, street_office: state.street, date: day };
    const rows = await get(`/rollups/districts/${encodeURIComponent(code)}/street-offices/projects`, params);
    if (mine !== rendering) return;
    const when = (d) => d || "—";
    table(
      $("street-projects"),
      [[t("project"), "text"], [t("registered")], [t("started")], [t("completed")], [t("done")], [t("closed")]],
      (rows || []).map((r) =>
        el(
          "tr",
          { "data-project": r.project_id },
          el("td", { class: "text" }, r.name || r.project_id),
          el("td", {}, when(r.registered_on)),
          el("td", {}, when(r.started_on)),
          el("td", {}, when(r.completed_on)),
          el("td", { "data-figure": "accepted" }, when(r.accepted_on)),
          el("td", {}, when(r.closed_on)),
        ),
      ),
    );
  }

  function renderCrumbs() {
    const crumbs = [el("a", { on: () => go(null), "data-crumb": "city" }, t("city"))];
    if (state.district) {
      crumbs.push(el("span", { class: "sep" }, "›"), el("a", { on: () => go(state.district), "data-crumb": "district" }, districtName(state.district)));
    }
    if (state.street !== null) {
      const name = state.street || t("noStreetOffice");
      crumbs.push(el("span", { class: "sep" }, "›"), el("a", { on: () => goStreet(state.district, state.street), "data-crumb": "street" }, name));
    }
    if (state.report) crumbs.push(el("span", { class: "sep" }, "›"), el("span", {}, t("reportsTitle")));
    $("crumbs").replaceChildren(...crumbs);
  }

  function sum(rows, field) {
    return rows.reduce((total, r) => total + Number(r[field] || 0), 0);
  }

  function renderKpis(rows, progress) {
    const task = sum(rows, "registered_projects");
    const accepted = sum(rows, "accepted_projects");
    const lagging = progress.filter((r) => r.on_track === false).length;
    const cards = [
      ["kpiTask", fmt(task), "kpi-task"],
      ["kpiStarted", fmt(sum(rows, "started_projects")), "kpi-started"],
      ["kpiAccepted", fmt(accepted), "kpi-accepted"],
      ["kpiShare", task ? pct(accepted / task) : "—", "kpi-share"],
      ["kpiAwarded", wan(sum(rows, "approved_award_fen") + sum(rows, "award_adjustment_fen")), "kpi-awarded"],
      ["kpiPaid", wan(sum(rows, "paid_fen")), "kpi-paid"],
    ];
    if (progress.length) cards.push(["kpiLagging", fmt(lagging), "kpi-lagging", lagging > 0]);
    $("kpis").replaceChildren(
      ...cards.map(([label, value, id, bad]) => el("div", { class: "kpi", id }, el("div", { class: "label" }, t(label)), el("div", { class: bad ? "value bad" : "value" }, value))),
    );
  }

  function chart(id) {
    if (!window.echarts) return null;
    const node = $(id);
    let instance = state.charts[id];
    if (!instance || instance.isDisposed()) instance = state.charts[id] = window.echarts.init(node, null, { renderer: "canvas" });
    return instance;
  }

  // tooltips as rich text: HTML tooltips carry inline styles, which the page's CSP refuses
  const tooltip = (trigger) => ({ trigger, renderMode: "richText" });

  function renderProgress(series) {
    const c = chart("chart-progress");
    if (!c) return;
    const labels = series.map((s) => s.period_label);
    const line = (key, name, extra) => ({ name, type: "line", smooth: true, data: series.map((s) => s[key]), ...extra });
    c.setOption(
      {
        tooltip: tooltip("axis"),
        legend: { top: 0 },
        grid: { left: 50, right: 20, top: 36, bottom: 30 },
        xAxis: { type: "category", data: labels },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          line("done", t("done"), { areaStyle: { opacity: 0.15 }, lineStyle: { width: 3 }, color: "#b91c1c" }),
          line("started", t("started"), { color: "#1d4ed8" }),
          line("completed", t("completed"), { color: "#0891b2" }),
          line("expected_by_now", t("expected"), { lineStyle: { type: "dashed" }, color: "#6b7280", symbol: "none" }),
          line("task", t("task"), { lineStyle: { type: "dotted" }, color: "#9ca3af", symbol: "none" }),
        ],
      },
      true,
    );
  }

  function renderFunnel(rows) {
    const c = chart("chart-funnel");
    if (!c) return;
    const steps = [
      ["registered", "registered_projects"],
      ["tendered", "tendered_projects"],
      ["started", "started_projects"],
      ["completed", "completed_projects"],
      ["done", "accepted_projects"],
      ["takenOver", "taken_over_projects"],
      ["closed", "closed_projects"],
    ];
    const data = steps
      .map(([key, field]) => ({ name: t(key), value: sum(rows, field), key }))
      .filter((d) => d.value > 0 || ["registered", "started", "completed", "done"].includes(d.key));
    c.setOption(
      {
        tooltip: tooltip("item"),
        series: [
          {
            type: "funnel",
            sort: "none",
            left: "10%",
            width: "80%",
            minSize: "8%",
            label: { show: true, position: "inside", formatter: "{b}  {c}" },
            data,
          },
        ],
        color: ["#7f1d1d", "#991b1b", "#b91c1c", "#dc2626", "#ef4444", "#f87171", "#fca5a5"],
      },
      true,
    );
  }

  function renderRanking(progress) {
    $("ranking-panel").hidden = !progress.length;
    const c = chart("chart-ranking");
    if (!c || !progress.length) return;
    const rows = [...progress].sort((a, b) => Number(a.done_share) - Number(b.done_share));
    c.setOption(
      {
        tooltip: tooltip("axis"),
        grid: { left: 110, right: 50, top: 10, bottom: 24 },
        xAxis: { type: "value", max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: { type: "category", data: rows.map((r) => districtName(r.district_code)) },
        series: [
          {
            type: "bar",
            name: t("share"),
            data: rows.map((r) => ({
              value: Math.round(Number(r.done_share) * 1000) / 10,
              code: r.district_code,
              itemStyle: { color: r.on_track === false ? "#b91c1c" : "#15803d" },
            })),
            label: { show: true, position: "right", formatter: "{c}%" },
          },
        ],
      },
      true,
    );
    c.off("click");
    c.on("click", (event) => event.data?.code && go(event.data.code));
    c.resize();
  }

  function renderForecast(forecast) {
    $("forecast-panel").hidden = !forecast.length;
    const c = chart("chart-forecast");
    if (!c || !forecast.length) return;
    c.setOption(
      {
        tooltip: tooltip("axis"),
        legend: { top: 0 },
        grid: { left: 40, right: 10, top: 36, bottom: 50 },
        xAxis: { type: "category", data: forecast.map((f) => districtName(f.district_code)), axisLabel: { interval: 0, rotate: 20 } },
        yAxis: { type: "value", minInterval: 1 },
        series: [
          {
            type: "bar",
            name: t("projected"),
            data: forecast.map((f) => ({ value: f.projected_year_end, itemStyle: { color: f.will_miss ? "#b91c1c" : "#15803d" } })),
          },
          { type: "bar", name: t("target"), data: forecast.map((f) => f.target_by_year_end), color: "#9ca3af" },
        ],
      },
      true,
    );
    c.resize();
  }

  function list(items) {
    if (!items.length) return el("p", { class: "muted" }, t("none"));
    return el("ul", { class: "watch-list" }, items.map((item) => el("li", {}, item)));
  }

  function districtLink(code) {
    return el("a", { on: () => go(code), "data-district": code, class: "bad" }, districtName(code));
  }

  // a reporter that owes a report: a district (a drill-down), or a department or street office by code
  function reporterLink(code) {
    const isDistrict = programme()?.districts.some((d) => d.code === code);
    return isDistrict ? districtLink(code) : el("span", { class: "bad", "data-reporter": code }, code);
  }

  // the central-fund list's milestones (Kaifeng 三): done of target, and the pace due, per milestone
  function centralListBlocks(centralList, code) {
    if (!centralList || !centralList.milestones.length) return [];
    const own = code ? centralList.districts.find((d) => d.district_code === code) : null;
    const lines = centralList.milestones.map((m, i) => {
      const figures = code ? (own ? own.milestones[i] : null) : m;
      const text = state.lang === "en" ? m.description_en : m.description_zh;
      if (!figures) return el("span", { class: "muted" }, `${text} · ${t("none")}`);
      const bad = ["behind", "missed"].includes(figures.status);
      return el(
        "span",
        { "data-milestone": m.code, class: bad ? "bad" : null },
        `${text}（${m.due_on}）· ${figures.done}/${figures.target} · ${t("milestone_" + figures.status)}`,
      );
    });
    const title = t("centralList", { count: centralList.funded_communities ?? centralList.listed });
    return [el("h3", {}, title), list(lines)];
  }

  function renderWatch(bulletin, progress, forecast, weekReports, code, centralList) {
    const blocks = [];
    if (progress.length) {
      const behind = progress.filter((p) => p.on_track === false).sort((a, b) => b.behind_by - a.behind_by);
      blocks.push(
        el("h3", {}, t("behindNow")),
        list(behind.map((p) => el("span", {}, districtLink(p.district_code), ` · ${t("behindBy")} ${p.behind_by}`))),
      );
    }
    if (bulletin) {
      const lagging = bulletin.lagging.filter((c) => !code || c === code);
      const late = bulletin.late_reports.filter((c) => !code || c === code);
      blocks.push(el("h3", {}, t("laggingDistricts", { week: bulletin.week })), list(lagging.map(districtLink)));
      blocks.push(el("h3", {}, t("lateReports", { week: bulletin.week })), list(late.map(reporterLink)));
    } else {
      blocks.push(el("p", { class: "muted" }, t("noBulletin")));
    }
    if (weekReports) {
      const overdue = weekReports.reporters.filter((r) => ["late", "missing"].includes(r.status) && (!code || r.district_code === code));
      blocks.push(
        el("h3", {}, t("reportStatus", { week: weekReports.week })),
        list(
          overdue.map((r) =>
            r.district_code
              ? el("span", {}, districtLink(r.district_code), r.reporter_code !== r.district_code ? ` · ${r.reporter_code}` : "", ` · ${t(r.status)}`)
              : el("span", {}, reporterLink(r.reporter_code), ` · ${t(r.status)}`),
          ),
        ),
      );
    }
    blocks.push(...centralListBlocks(centralList, code));
    const missing = forecast.filter((f) => f.will_miss);
    if (forecast.length) blocks.push(el("h3", {}, t("willMiss")), list(missing.map((f) => el("span", {}, districtLink(f.district_code), ` · ${t("shortfall")} ${f.shortfall}`))));
    $("watch").replaceChildren(...blocks);
  }

  function table(node, headings, rows) {
    node.replaceChildren(el("thead", {}, el("tr", {}, headings.map(([text, cls]) => el("th", { class: cls || null }, text)))), el("tbody", {}, rows));
    if (!rows.length) node.append(el("tbody", {}, el("tr", {}, el("td", { class: "muted text", colspan: headings.length }, t("noData")))));
  }

  function renderDistricts(rows, progress) {
    const byCode = Object.fromEntries(progress.map((p) => [p.district_code, p]));
    table(
      $("districts"),
      [[t("district")], [t("registered")], [t("started")], [t("completed")], [t("done")], [t("share")], [t("expected")], [t("overdue")], [t("deadlinesMissed")], [t("kpiPaid")]],
      rows.map((r) => {
        const p = byCode[r.district_code];
        const share = r.registered_projects ? r.accepted_projects / r.registered_projects : null;
        return el(
          "tr",
          { class: "link", "data-district": r.district_code, on: () => go(r.district_code) },
          el("td", { class: "text" }, districtName(r.district_code)),
          el("td", {}, fmt(r.registered_projects)),
          el("td", {}, fmt(r.started_projects)),
          el("td", {}, fmt(r.completed_projects)),
          el("td", { "data-figure": "accepted" }, fmt(r.accepted_projects)),
          el("td", { class: p && p.on_track === false ? "bad" : "good" }, pct(share)),
          el("td", {}, p ? fmt(p.expected_by_now) : "—"),
          el("td", { class: r.weekly_reports_overdue ? "bad" : null }, fmt(r.weekly_reports_overdue)),
          el("td", { class: r.deadlines_missed ? "bad" : null, "data-figure": "deadlines-missed" }, fmt(r.deadlines_missed)),
          el("td", {}, wan(r.paid_fen)),
        );
      }),
    );
  }

  function renderIndicators(rows) {
    $("indicators-panel").hidden = !rows.length;
    table(
      $("indicators"),
      [[t("district")], [t("indicator"), "text"], [t("value")], [t("target")], [t("status"), "text"]],
      rows.map((r) =>
        el(
          "tr",
          {},
          el("td", { class: "text" }, districtName(r.district_code)),
          el("td", { class: "text" }, state.lang === "en" ? r.name_en : r.name_zh),
          el("td", {}, r.value === null ? "—" : r.unit === "ratio" ? pct(r.value) : r.value),
          el("td", {}, r.target === null ? "—" : r.unit === "ratio" ? pct(r.target) : r.target),
          el("td", { class: r.status === "not_met" ? "bad text" : r.status === "met" ? "good text" : "text" }, t(r.status)),
        ),
      ),
    );
  }

  function renderEvaluation(evaluation, code) {
    $("evaluation-panel").hidden = !evaluation;
    if (!evaluation) return;
    const rows = evaluation.districts.filter((d) => !code || d.district_code === code);
    $("evaluation-panel").querySelector("h2").textContent = `${t("evaluationTitle")} ${evaluation.month}`;
    table(
      $("evaluation"),
      [[t("rank")], [t("district"), "text"], [t("score")], [t("done")], [t("task")]],
      rows.map((d) => el("tr", {}, el("td", {}, d.rank), el("td", { class: "text" }, districtName(d.district_code)), el("td", {}, d.score), el("td", {}, fmt(d.inputs.done)), el("td", {}, fmt(d.inputs.task)))),
    );
  }

  async function renderReports(code, day) {
    const p = programme();
    const weeks = [];
    let start = lastWeekStart(day);
    for (let i = 0; i < 8; i += 1) {
      weeks.push(start);
      const d = new Date(`${start}T00:00:00`);
      d.setDate(d.getDate() - 7);
      start = iso(d);
    }
    const answers = await Promise.all(weeks.map((week) => get("/weekly-reports", { programme: p.code, week_of: week })));
    const rows = [];
    for (const answer of answers.filter(Boolean)) {
      for (const r of answer.reporters.filter((x) => x.district_code === code)) {
        const open = r.report_id ? () => go(code, r.report_id) : null;
        rows.push(
          el(
            "tr",
            { class: open ? "link" : null, on: open, "data-report": r.report_id || null },
            el("td", {}, answer.week),
            el("td", { class: "text" }, r.reporter_code === code ? districtName(code) : r.reporter_code),
            el("td", { class: ["late", "missing"].includes(r.status) ? "bad text" : "text" }, t(r.status)),
            el("td", {}, r.submitted_at ? new Date(r.submitted_at).toLocaleString(state.lang) : "—"),
          ),
        );
      }
    }
    table($("reports"), [[t("week")], [t("reporter"), "text"], [t("status"), "text"], [t("submitted")]], rows);
    const article = $("report");
    article.hidden = !state.report;
    if (!state.report) return;
    const report = await get(`/weekly-reports/${encodeURIComponent(state.report)}`);
    if (!report) {
      article.replaceChildren(el("p", { class: "muted" }, t("notVisible")));
      return;
    }
    article.replaceChildren(
      el("h3", {}, `${districtName(report.district_code)} · ${report.week} · ${t(report.status)}`),
      el("p", {}, `${t("started")} ${report.projects_started} · ${t("completed")} ${report.projects_completed} · ${t("done")} ${report.projects_accepted}`),
      el("h4", {}, t("narrative")),
      el("p", { "data-narrative": "" }, report.narrative),
      report.problems ? el("h4", {}, t("problems")) : null,
      report.problems ? el("p", {}, report.problems) : null,
    );
  }

  // ---- wiring --------------------------------------------------------------------------------
  function bind() {
    $("login-button").addEventListener("click", login);
    $("logout").addEventListener("click", () => logout(""));
    $("lang").addEventListener("click", () => {
      state.lang = state.lang === "en" ? "zh-CN" : "en";
      sessionStorage.setItem("dashboard.lang", state.lang);
      if (state.token && state.programmes.length) start(state.programmes);
      else applyText();
    });
    $("programme").addEventListener("change", (event) => {
      state.programme = event.target.value;
      sessionStorage.setItem("dashboard.programme", state.programme);
      go(state.claims.district || null);
      render();
    });
    $("as-of").addEventListener("change", () => render());
    window.addEventListener("hashchange", () => state.token && state.programmes.length && route());
    window.addEventListener("resize", () => Object.values(state.charts).forEach((c) => c.resize()));
    const params = () => {
      const base = { programme: state.programme, lang: state.lang };
      return asOf() ? { ...base, period: "day", date: asOf() } : base;
    };
    $("export-xlsx").addEventListener("click", () => download("/exports/rollups.xlsx", params(), "rollups.xlsx"));
    $("export-csv").addEventListener("click", () => download("/exports/rollups.csv", params(), "rollups.csv"));
    $("export-bulletin").addEventListener("click", () => {
      const b = state.latest.bulletin;
      if (b) download(`/bulletins/${b.id}.pdf`, { lang: state.lang }, `bulletin-${b.week}.pdf`);
    });
    $("export-evaluation").addEventListener("click", () => {
      const e = state.latest.evaluation;
      if (e) download(`/evaluations/${e.month}.pdf`, { programme: state.programme, lang: state.lang }, `evaluation-${e.month}.pdf`);
    });
  }

  async function init() {
    applyText();
    bind();
    if (!state.token) {
      logout("");
      return;
    }
    const answer = await api("/programmes").catch(() => null);
    if (answer && answer.ok) await start(answer.body);
    else logout(t("loginRefused"));
  }

  init();
})();
