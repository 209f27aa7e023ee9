"""Joint acceptance: it passes only when every sign-off the profile names has been given.

Kaifeng 六(四) names the owners' committee (or owners' representatives), contractor, supervisor,
designer and surveyor; Zhongyuan 五(二)8 the street office and the community, then the
headquarters' inspection; the profile holds the list (`shared.policy.sign_offs`), alternatives
and rounds included. A later round signs on or after the earlier round's last signature. A
department that inspects an item of the project's plan signs too (Zhengzhou 2019 六: the fire
brigade for fire facilities and fire lanes; `shared.policy.item_sign_offs`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from shared.errors import FieldProblem, RuleViolation
from shared.policy import ProgrammeProfile, SignOff, StageCode, item_sign_offs, sign_offs

ACCEPTANCE = StageCode.ACCEPTANCE


def acceptance_sign_offs(profile: ProgrammeProfile, items: Iterable[str] = ()) -> tuple[SignOff, ...]:
    """The signatures a project's acceptance needs: the step's own, then the inspecting departments
    of the plan's `items`."""
    return (*sign_offs(profile, ACCEPTANCE), *item_sign_offs(profile, items))


def signing_roles(profile: ProgrammeProfile, items: Iterable[str] = ()) -> set[str]:
    """Every role that may sign the acceptance form of a project whose plan has `items`."""
    return {role for sign_off in acceptance_sign_offs(profile, items) for role in sign_off.any_of}


def check_sign_offs(
    profile: ProgrammeProfile,
    signed: Sequence[tuple[str, date]],
    accepted_on: date,
    items: Sequence[str] = (),
) -> None:
    """Refuse a form with an unknown or repeated role, a missing sign-off or rounds out of order.

    Args:
        profile: the project's programme.
        signed: (role, signed_on) per signature, in the body's order.
        accepted_on: the acceptance date; no signature may be later.
        items: the catalogue codes of the project's plan (their inspecting departments sign).

    Raises:
        RuleViolation: naming `sign_offs.<i>.role`, `sign_offs.<i>.signed_on` or `sign_offs`.
    """
    required = acceptance_sign_offs(profile, items)
    known = {role for sign_off in required for role in sign_off.any_of}
    problems = []
    seen: set[str] = set()
    for index, (role, signed_on) in enumerate(signed):
        if role not in known:
            problems.append(
                FieldProblem(
                    f"sign_offs.{index}.role",
                    "acceptance_role",
                    f"roles: {', '.join(sorted(known)) or 'none'}",
                )
            )
        elif role in seen:
            problems.append(FieldProblem(f"sign_offs.{index}.role", "unique", f"{role} signed twice"))
        if signed_on > accepted_on:
            problems.append(
                FieldProblem(
                    f"sign_offs.{index}.signed_on", "not_after_acceptance", f"on or before {accepted_on}"
                )
            )
        seen.add(role)
    if problems:
        raise RuleViolation("the acceptance form's signatures are not valid", problems)
    missing = [s for s in required if not set(s.any_of) & seen]
    if missing:
        names = "; ".join(" or ".join(s.any_of) for s in missing)
        raise RuleViolation(
            f"acceptance is joint: still to sign: {names}",
            [FieldProblem("sign_offs", "all_parties_sign", f"missing: {names} ({missing[0].clause})")],
        )
    _check_rounds(required, dict(signed))


def _check_rounds(required: Sequence[SignOff], signed: dict[str, date]) -> None:
    last_of_round: dict[int, date] = {}
    first_of_round: dict[int, date] = {}
    for sign_off in required:
        dates = [signed[role] for role in sign_off.any_of if role in signed]
        last_of_round[sign_off.round] = max([*dates, last_of_round.get(sign_off.round, date.min)])
        first_of_round[sign_off.round] = min([*dates, first_of_round.get(sign_off.round, date.max)])
    for round_ in sorted(first_of_round)[1:]:
        if first_of_round[round_] < last_of_round[round_ - 1]:
            raise RuleViolation(
                f"round {round_} of the acceptance signs after round {round_ - 1} is complete",
                [
                    FieldProblem(
                        "sign_offs",
                        "sign_off_round_order",
                        f"round {round_} on or after {last_of_round[round_ - 1]}",
                    )
                ],
            )


def check_defect_roles(
    profile: ProgrammeProfile, recorded_by: Sequence[str], items: Sequence[str] = ()
) -> None:
    """Any party to the acceptance may record a defect: a signing role (an inspecting department of
    the plan's `items` included) or the step's organiser.

    Raises:
        RuleViolation: naming `defects.<i>.recorded_by`.
    """
    stage = profile.lifecycle.stage(ACCEPTANCE)
    parties = signing_roles(profile, items) | set(stage.participants if stage else ())
    if stage is not None and stage.organiser:
        parties.add(stage.organiser)
    problems = [
        FieldProblem(f"defects.{i}.recorded_by", "acceptance_party", f"parties: {', '.join(sorted(parties))}")
        for i, role in enumerate(recorded_by)
        if role not in parties
    ]
    if problems:
        raise RuleViolation("a defect is recorded by a party to the acceptance", problems)
