"""Automatic assignment: exact coverage, balanced loads, zero conflicts, preferences, plain-words
infeasibility, a proposal before anything changes, top-up after recusal, manual edits and
concurrent confirmations."""

import threading
from collections import Counter, defaultdict

import pytest
from sqlalchemy import func, select

from awards.core.models import AuditEvent, OutboxMessage
from awards.errors import DomainError
from awards.extensions import db as _db
from awards.judging import assignment, conflicts
from awards.judging.assignment import AssignmentInfeasible, sort_key_for
from awards.models import (
    Assignment,
    AssignmentStatus,
    Conflict,
    ConflictSource,
    Decision,
    Outcome,
    PanelMember,
    Round,
    Submission,
    SubmissionStatus,
    User,
)
from tests.factories import (
    CycleFactory,
    JudgeFactory,
    OrganisationFactory,
    PanelMemberFactory,
    RoundFactory,
    ValidEntryFactory,
    make_review,
)
from tests.judging import secretariat_fixtures
from tests.judging.generate import generate_round

# Fixtures shared with the other secretariat test modules of this folder.
request_context = secretariat_fixtures.request_context
staff = secretariat_fixtures.staff
as_staff = secretariat_fixtures.as_staff

# --- helpers ------------------------------------------------------------------------------------


def _active(round_id):
    return _db.session.execute(
        select(Assignment.judge_id, Assignment.submission_id).where(
            Assignment.round_id == round_id, Assignment.status == AssignmentStatus.ACTIVE
        )
    ).all()


def _assert_guarantees(round_id, *, entry_ids, k, capped=()):
    """Exact coverage, spread of uncapped loads <= 1, no pair a conflict rule would flag."""
    pairs = _active(round_id)
    per_entry = Counter(s for _j, s in pairs)
    assert set(per_entry) == set(entry_ids)
    assert set(per_entry.values()) == {k}
    assert len(set(pairs)) == len(pairs)
    panel = _db.session.scalars(
        select(PanelMember.user_id).where(PanelMember.round_id == round_id)
    ).all()
    loads = Counter(j for j, _s in pairs)
    uncapped = [loads[j] for j in panel if j not in capped]
    assert max(uncapped) - min(uncapped) <= 1
    judges = _db.session.scalars(select(User).where(User.id.in_(panel))).all()
    flagged = conflicts.detect_pairs(judges, entry_ids)
    assert not set(pairs) & set(flagged)
    stored = conflicts.active_pairs(list(panel))
    assert not set(pairs) & stored
    return pairs, loads


def _round_with(cycle, *, k=3, judges=(), entries=(), position=1):
    """judges: (name, country, expertise); entries: (code, country, [domain keys])."""
    round_ = RoundFactory(cycle=cycle, judges_per_entry=k, position=position)
    for name, country, expertise in judges:
        PanelMemberFactory(
            round=round_,
            user=JudgeFactory(
                name=name, country_code=country, city=f"{name}ville", expertise=expertise
            ),
        )
    domains = {d.key: d for d in cycle.domains}
    for code, country, keys in entries:
        ValidEntryFactory(
            cycle=cycle,
            reference_code=code,
            organisation=OrganisationFactory(country_code=country, city=f"{code} city"),
            domains=[domains[k] for k in keys],
        )
    return round_


@pytest.fixture
def cycle(db):
    return CycleFactory(reference_prefix="GZT")


# --- the optimiser's guarantees on generated cycles -------------------------------------------


def test_300_entries_11_judges_exact_coverage_balanced_without_conflicts(db, staff):
    generated = generate_round(entries=300, judges=11)
    round_ = db.session.get(Round, generated.round_id)
    proposal = assignment.propose_assignment(round_, actor=staff)
    assert assignment.confirm_proposal(round_, proposal.token, actor=staff) == 900
    db.session.commit()
    pairs, loads = _assert_guarantees(generated.round_id, entry_ids=generated.entry_ids, k=3)
    assert sorted(set(loads.values())) == [81, 82]  # 900 reviews over 11 judges
    assert db.session.scalar(select(func.count()).select_from(Conflict)) > 0  # detected ones
    # Judges from different regions on each entry where the panel allows it.
    regions = {row.judge.id: row.judge.region for row in proposal.loads}
    mixed = sum(
        1 for sid, judges in _by_entry(pairs).items() if len({regions[j] for j in judges}) == 3
    )
    assert mixed >= 0.9 * 300


def _by_entry(pairs):
    out = defaultdict(list)
    for judge_id, sid in pairs:
        out[sid].append(judge_id)
    return out


def test_3000_entries_60_judges_exact_coverage_balanced_without_conflicts(db, staff):
    generated = generate_round(entries=3000, judges=60)
    round_ = db.session.get(Round, generated.round_id)
    proposal = assignment.propose_assignment(round_, actor=staff)
    assert proposal.spread == 0
    assert assignment.confirm_proposal(round_, proposal.token, actor=staff) == 9000
    db.session.commit()
    _pairs, loads = _assert_guarantees(generated.round_id, entry_ids=generated.entry_ids, k=3)
    assert set(loads.values()) == {150}


def test_generated_cycle_with_capacities_respects_them(db, staff):
    generated = generate_round(entries=300, judges=11, seed=3)
    capped = generated.judge_ids[:2]
    db.session.execute(
        PanelMember.__table__.update().where(PanelMember.user_id.in_(capped)).values(capacity=20)
    )
    db.session.commit()
    round_ = db.session.get(Round, generated.round_id)
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()
    _pairs, loads = _assert_guarantees(
        generated.round_id, entry_ids=generated.entry_ids, k=3, capped=capped
    )
    assert all(loads[j] <= 20 for j in capped)


# --- what a proposal is, and what confirming does ----------------------------------------------


def test_proposal_changes_nothing_until_confirmed(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", "")],
        entries=[("GZT-0001", "KE", []), ("GZT-0002", "KE", []), ("GZT-0003", "IN", [])],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assert len(proposal.pairs) == 6
    assert [row.added for row in proposal.loads] == [2, 2, 2]
    assert [len(panel.judges) for panel in proposal.panels] == [2, 2, 2]
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_confirm_assigns_mails_each_judge_once_and_sets_a_stable_order(
    db, staff, cycle, mailbox, deliver_mail
):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", "")],
        entries=[("GZT-0001", "KE", []), ("GZT-0002", "KE", []), ("GZT-0003", "IN", [])],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()
    rows = db.session.scalars(select(Assignment)).all()
    assert len(rows) == 6
    assert all(r.sort_key == sort_key_for(r.judge_id, r.submission_id) for r in rows)
    assert all(r.notified_at is not None for r in rows)
    deliver_mail()
    assert sorted(m["To"] for m in mailbox.messages) == sorted(
        j.email
        for j in db.session.scalars(select(User).where(User.name.in_(["Ana", "Ben", "Chi"])))
    )
    body = mailbox.messages[0].get_content()
    assert "You have been assigned 2 entries to review in Technical committee" in body
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.assigned"))
    assert event.after == {"assignments": 6, "entries": 3, "judges": 3}


def test_sort_keys_differ_between_judges_and_stay_stable():
    orders = [
        sorted(range(1, 31), key=lambda sid, judge=judge: sort_key_for(judge, sid))
        for judge in (1, 2)
    ]
    assert orders[0] != orders[1]
    assert orders[0] == sorted(range(1, 31), key=lambda sid: sort_key_for(1, sid))
    assert all(0 <= sort_key_for(j, s) < 2**31 for j in range(5) for s in range(50))


def test_a_second_full_run_is_refused_once_judges_are_assigned(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    with pytest.raises(DomainError, match="Judges are assigned in this round already"):
        assignment.propose_assignment(round_, actor=staff)
    with pytest.raises(DomainError, match="Judges have just been assigned"):
        assignment.confirm_proposal(round_, proposal.token, actor=staff)


def test_a_proposal_gone_stale_is_refused(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=1,
        judges=[("Ana", "FR", ""), ("Ben", "JP", "")],
        entries=[("GZT-0001", "KE", []), ("GZT-0002", "KE", [])],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    judge_id, sid = proposal.pairs[0]
    conflicts.add_conflict(
        db.session.get(User, judge_id),
        db.session.get(Submission, sid),
        actor=staff,
        reason="Advised this city in 2024",
    )
    with pytest.raises(DomainError, match="The round has changed since this proposal"):
        assignment.confirm_proposal(round_, proposal.token, actor=staff)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_a_tampered_proposal_is_refused(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    proposal = assignment.propose_assignment(round_, actor=staff)
    with pytest.raises(DomainError, match="This proposal is not valid"):
        assignment.confirm_proposal(round_, proposal.token[:-3] + "abc", actor=staff)


def test_two_confirmations_at_once_one_wins_the_other_is_refused(app, db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", "")],
        entries=[(f"GZT-{n:04d}", "KE", []) for n in range(1, 13)],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    db.session.commit()
    round_id, staff_id, token = round_.id, staff.id, proposal.token
    barrier = threading.Barrier(2)
    outcomes = []

    def run():
        with app.app_context(), app.test_request_context():
            try:
                barrier.wait()
                the_round = _db.session.get(Round, round_id)
                actor = _db.session.get(User, staff_id)
                created = assignment.confirm_proposal(the_round, token, actor=actor)
                _db.session.commit()
                outcomes.append(("ok", created))
            except DomainError as exc:
                _db.session.rollback()
                outcomes.append(("refused", exc.message))
            finally:
                _db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(o[0] for o in outcomes) == ["ok", "refused"]
    assert dict(outcomes)["ok"] == 24
    assert dict(outcomes)["refused"].startswith("Judges have just been assigned in this round")
    db.session.expire_all()
    assert len(_active(round_id)) == 24
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "round.assigned")
        )
        == 1
    )


# --- preferences ----------------------------------------------------------------------------


def test_expertise_matching_the_entrys_domain_is_preferred(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=3,
        judges=[
            ("Tech A", "FR", "technology"),
            ("Tech B", "FR", "technology"),
            ("Tech C", "FR", "technology"),
            ("Soc A", "FR", "social"),
            ("Soc B", "FR", "social"),
            ("Soc C", "FR", "social"),
        ],
        entries=[
            ("GZT-0001", "KE", ["technology"]),
            ("GZT-0002", "KE", ["technology"]),
            ("GZT-0003", "KE", ["social"]),
            ("GZT-0004", "KE", ["social"]),
        ],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    for panel in proposal.panels:
        wanted = "Tech" if "technology" in panel.entry.domains else "Soc"
        assert all(j.name.startswith(wanted) for j in panel.judges), panel
    assert proposal.expertise_share == 1.0


def test_judges_from_different_regions_are_mixed_on_each_entry(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[
            ("Eu 1", "FR", ""),
            ("Eu 2", "DE", ""),
            ("Eu 3", "ES", ""),
            ("Af 1", "GH", ""),
            ("Af 2", "SN", ""),
            ("Af 3", "NG", ""),
        ],
        entries=[(f"GZT-{n:04d}", "JP", []) for n in range(1, 7)],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assert proposal.regional_mix == [(2, 6)]
    for panel in proposal.panels:
        assert panel.regions == ["Africa", "Europe"]


# --- infeasibility, in plain words -----------------------------------------------------------


def test_an_entry_with_too_few_judges_without_conflict_is_named(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=3,
        judges=[("Ana", "KE", ""), ("Ben", "FR", ""), ("Chi", "JP", "")],
        entries=[("GZT-0042", "KE", []), ("GZT-0043", "IN", [])],
    )
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == [
        "Entry GZT-0042 from Kenya has only 2 judges without a conflict; it needs 3."
    ]


def test_a_panel_smaller_than_the_judges_per_entry_is_explained(db, staff, cycle):
    round_ = _round_with(
        cycle, k=3, judges=[("Ana", "FR", ""), ("Ben", "JP", "")], entries=[("GZT-0001", "KE", [])]
    )
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == ["Each entry needs 3 judges, but the panel has only 2 judges."]


def test_an_empty_panel_and_no_entries_are_explained(db, staff, cycle):
    round_ = _round_with(cycle, k=1, entries=[("GZT-0001", "KE", [])])
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == [
        "The panel of this round has no judges. Add judges to the panel first."
    ]
    empty = _round_with(CycleFactory(), k=1, judges=[("Ana", "FR", "")])
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(empty, actor=staff)
    assert exc.value.problems == ["There are no valid entries to assign in this round yet."]


def test_capacities_too_small_in_total_are_explained(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", "")],
        entries=[(f"GZT-{n:04d}", "KE", []) for n in range(1, 5)],
    )
    db.session.execute(PanelMember.__table__.update().values(capacity=2))
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == [
        "The judges' capacities leave room for 6 reviews, but 8 are needed (4 entries, 2 "
        "judges each). Raise capacities or add judges to the panel."
    ]


def test_a_judge_too_conflicted_for_a_balanced_load_is_named_and_a_capacity_fixes_it(
    db, staff, cycle
):
    round_ = _round_with(
        cycle,
        k=1,
        judges=[("Wanjiru", "KE", ""), ("Ben", "JP", ""), ("Chi", "JP", ""), ("Dan", "JP", "")],
        entries=[(f"GZT-{n:04d}", "KE", []) for n in range(1, 10)] + [("GZT-0010", "FR", [])],
    )
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == [
        "Wanjiru has a conflict with 9 of the 10 entries, so can review at most 1; a balanced "
        "load is 2 or 3 entries. Set a personal capacity for this judge on the panel page, or "
        "lift conflicts that are wrong."
    ]
    member = db.session.scalar(select(PanelMember).join(User).where(User.name == "Wanjiru"))
    member.capacity = 1
    db.session.commit()
    proposal = assignment.propose_assignment(round_, actor=staff)
    loads = {row.judge.name: row.total for row in proposal.loads}
    assert loads == {"Wanjiru": 1, "Ben": 3, "Chi": 3, "Dan": 3}


def test_entries_depending_on_full_judges_are_named(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=1,
        judges=[("Ana", "FR", ""), ("Ben", "FR", ""), ("Kofi", "KE", "")],
        entries=[
            ("GZT-0001", "KE", []),
            ("GZT-0002", "KE", []),
            ("GZT-0003", "KE", []),
            ("GZT-0004", "FR", []),
        ],
    )
    db.session.execute(
        PanelMember.__table__.update()
        .where(PanelMember.user_id.in_(select(User.id).where(User.name.in_(["Ana", "Ben"]))))
        .values(capacity=1)
    )
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_assignment(round_, actor=staff)
    assert exc.value.problems == [
        "Entries GZT-0001, GZT-0002, GZT-0003 cannot all get their 1 judges at the same time: "
        "apart from judges with a conflict, they depend on Ana, Ben, whose personal capacities "
        "are used up. Raise those capacities or add judges to the panel."
    ]


def test_a_solver_out_of_time_says_so_and_changes_nothing(app, db, staff):
    generated = generate_round(entries=300, judges=11)
    round_ = db.session.get(Round, generated.round_id)
    app.config["ASSIGNMENT_TIME_LIMIT"] = 1e-6
    try:
        with pytest.raises(AssignmentInfeasible) as exc:
            assignment.propose_assignment(round_, actor=staff)
    finally:
        app.config.pop("ASSIGNMENT_TIME_LIMIT")
    assert exc.value.problems[0].startswith("The optimiser did not finish within 0 seconds.")


# --- later rounds ------------------------------------------------------------------------------


def test_a_later_round_assigns_the_entries_shortlisted_by_the_round_before(db, staff, cycle):
    committee = RoundFactory(cycle=cycle, position=1)
    jury = _round_with(
        cycle,
        k=1,
        judges=[("Juror", "FR", "")],
        entries=[("GZT-0001", "KE", []), ("GZT-0002", "KE", [])],
        position=2,
    )
    first, second = db.session.scalars(
        select(Submission).where(Submission.cycle_id == cycle.id).order_by(Submission.id)
    ).all()
    db.session.add_all(
        [
            Decision(round_id=committee.id, submission_id=first.id, outcome=Outcome.SHORTLISTED),
            Decision(round_id=committee.id, submission_id=second.id, outcome=Outcome.DESERVING),
        ]
    )
    db.session.commit()
    proposal = assignment.propose_assignment(jury, actor=staff)
    assert [panel.entry.code for panel in proposal.panels] == ["GZT-0001"]


def test_invalid_and_withdrawn_entries_are_not_assigned(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    ValidEntryFactory(cycle=cycle, status=SubmissionStatus.WITHDRAWN, reference_code="GZT-0002")
    ValidEntryFactory(cycle=cycle, status=SubmissionStatus.SUBMITTED, reference_code="GZT-0003")
    proposal = assignment.propose_assignment(round_, actor=staff)
    assert [panel.entry.code for panel in proposal.panels] == ["GZT-0001"]


# --- top-up after recusal ------------------------------------------------------------------------


def _assigned_round(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", ""), ("Dee", "AU", "")],
        entries=[(f"GZT-{n:04d}", "KE", []) for n in range(1, 7)],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()
    return round_


def _declare(db, assignment_row, reason="I advised this city in 2024"):
    """What the judge's declaration does (the judges' feature): a declared conflict and a
    recused assignment."""
    db.session.add(
        Conflict(
            judge_id=assignment_row.judge_id,
            submission_id=assignment_row.submission_id,
            source=ConflictSource.DECLARED,
            reason=reason,
        )
    )
    assignment_row.status = AssignmentStatus.RECUSED
    db.session.commit()


def test_top_up_after_recusal_fills_the_gap_without_moving_anyone(db, staff, cycle):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", ""), ("Dee", "AU", "")],
        entries=[(f"GZT-{n:04d}", "KE", []) for n in range(1, 6)],
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()
    round_id = round_.id
    before = {
        (a.id, a.judge_id, a.submission_id)
        for a in db.session.scalars(select(Assignment).where(Assignment.round_id == round_id))
    }
    loads_before = Counter(j for j, _s in _active(round_id))
    assert sorted(loads_before.values()) == [2, 2, 3, 3]  # 10 reviews over 4 judges
    heavy = [j for j, n in loads_before.items() if n == 3]
    recused = db.session.scalars(
        select(Assignment).where(Assignment.judge_id == heavy[0]).order_by(Assignment.id)
    ).first()
    recused_id, gap_entry, recusing_judge = recused.id, recused.submission_id, recused.judge_id
    on_entry = {j for j, s in _active(round_id) if s == gap_entry}
    _declare(db, recused)

    proposal = assignment.propose_top_up(round_, actor=staff)
    assert len(proposal.pairs) == 1
    new_judge, entry_id = proposal.pairs[0]
    assert entry_id == gap_entry
    assert new_judge != recusing_judge and new_judge not in on_entry
    candidates = set(loads_before) - on_entry - {recusing_judge}
    assert loads_before[new_judge] == min(loads_before[j] for j in candidates)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()

    after = {
        (a.id, a.judge_id, a.submission_id)
        for a in db.session.scalars(select(Assignment).where(Assignment.round_id == round_id))
    }
    assert before < after and len(after - before) == 1  # nobody moved; one row added
    assert db.session.get(Assignment, recused_id).status == AssignmentStatus.RECUSED
    per_entry = Counter(s for _j, s in _active(round_id))
    assert set(per_entry.values()) == {2}
    assert db.session.scalar(
        select(AuditEvent.after).where(AuditEvent.action == "round.topped_up")
    ) == {"assignments": 1, "entries": 1, "judges": 1}


def test_top_up_with_no_gap_says_so(db, staff, cycle):
    round_ = _assigned_round(db, staff, cycle)
    with pytest.raises(DomainError) as exc:
        assignment.propose_top_up(round_, actor=staff)
    assert exc.value.message == "Every entry has its 2 judges; there is nothing to top up."


def test_top_up_that_cannot_be_done_names_the_entry(db, staff, cycle):
    round_ = _round_with(
        cycle, k=2, judges=[("Ana", "FR", ""), ("Ben", "JP", "")], entries=[("GZT-0001", "KE", [])]
    )
    proposal = assignment.propose_assignment(round_, actor=staff)
    assignment.confirm_proposal(round_, proposal.token, actor=staff)
    db.session.commit()
    _declare(db, db.session.scalars(select(Assignment)).first())
    with pytest.raises(AssignmentInfeasible) as exc:
        assignment.propose_top_up(round_, actor=staff)
    assert exc.value.problems == [
        "Entry GZT-0001 from Kenya needs 1 more judge, but no judge on the panel is free of a "
        "conflict, not assigned to it already and with capacity left."
    ]


# --- by hand ------------------------------------------------------------------------------------


def test_manual_assignment_of_a_conflicted_pair_is_refused(db, staff, cycle):
    round_ = _round_with(
        cycle, k=1, judges=[("Wanjiru", "KE", "")], entries=[("GZT-0001", "KE", [])]
    )
    conflicts.detect_for_round(round_, actor=staff)
    judge = db.session.scalar(select(User).where(User.name == "Wanjiru"))
    entry = db.session.scalar(select(Submission))
    with pytest.raises(DomainError) as exc:
        assignment.add_assignment(round_, judge, entry, actor=staff)
    assert exc.value.message == (
        "Wanjiru has a conflict with GZT-0001 (Same country (Kenya)) and cannot be assigned to "
        "it. If the conflict is wrong, lift it first."
    )
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_manual_assignment_is_made_and_the_judge_told(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    judge = db.session.scalar(select(User).where(User.name == "Ana"))
    entry = db.session.scalar(select(Submission))
    assignment.add_assignment(round_, judge, entry, actor=staff)
    db.session.commit()
    row = db.session.scalar(select(Assignment))
    assert (row.judge_id, row.submission_id, row.status) == (
        judge.id,
        entry.id,
        AssignmentStatus.ACTIVE,
    )
    assert row.sort_key == sort_key_for(judge.id, entry.id)
    assert db.session.scalar(select(OutboxMessage.to_address)) == judge.email


def test_manual_assignment_of_a_judge_off_the_panel_is_refused(db, staff, cycle):
    round_ = _round_with(cycle, k=1, entries=[("GZT-0001", "KE", [])])
    with pytest.raises(DomainError, match="is not on the panel of this round"):
        assignment.add_assignment(
            round_, JudgeFactory(), db.session.scalar(select(Submission)), actor=staff
        )


def test_removing_an_assignment_then_reassigning_reuses_the_row(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    judge = db.session.scalar(select(User).where(User.name == "Ana"))
    entry = db.session.scalar(select(Submission))
    assignment.add_assignment(round_, judge, entry, actor=staff)
    row = db.session.scalar(select(Assignment))
    assignment.remove_assignment(row, actor=staff)
    assert row.status == AssignmentStatus.REMOVED
    assignment.add_assignment(round_, judge, entry, actor=staff)
    assert row.status == AssignmentStatus.ACTIVE
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1


def test_removing_an_assignment_with_a_submitted_review_is_refused(db, staff, cycle):
    round_ = _round_with(cycle, k=1, judges=[("Ana", "FR", "")], entries=[("GZT-0001", "KE", [])])
    round_.criteria = list(cycle.criteria)
    assignment.add_assignment(
        round_,
        db.session.scalar(select(User).where(User.name == "Ana")),
        db.session.scalar(select(Submission)),
        actor=staff,
    )
    db.session.commit()
    row = db.session.scalar(select(Assignment))
    make_review(row)
    with pytest.raises(DomainError, match="has submitted a review of GZT-0001"):
        assignment.remove_assignment(row, actor=staff)


# --- over HTTP ----------------------------------------------------------------------------------


def test_propose_and_confirm_over_http(as_staff, db, cycle, mailbox, deliver_mail):
    round_ = _round_with(
        cycle,
        k=2,
        judges=[("Ana", "FR", ""), ("Ben", "JP", ""), ("Chi", "BR", "")],
        entries=[("GZT-0001", "KE", []), ("GZT-0002", "IN", []), ("GZT-0003", "MX", [])],
    )
    round_id = round_.id
    response = as_staff.post(f"/secretariat/rounds/{round_id}/assignment/propose")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Proposed assignment" in page
    assert "6 assignments, 3 entries." in page
    assert "Loads of judges without a personal capacity differ by at most 0." in page
    assert "3 entries with judges from 2 regions" in page
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    token = page.split('name="token" type="hidden" value="')[1].split('"')[0]
    response = as_staff.post(
        f"/secretariat/rounds/{round_id}/assignment/confirm",
        data={"token": token},
        follow_redirects=True,
    )
    assert "6 assignments made; the judges are told by e-mail." in response.get_data(as_text=True)
    assert len(_active(round_id)) == 6
    deliver_mail()
    assert len(mailbox.messages) == 3


def test_infeasible_round_over_http_explains_and_changes_nothing(as_staff, db, cycle):
    round_ = _round_with(
        cycle,
        k=3,
        judges=[("Ana", "KE", ""), ("Ben", "FR", ""), ("Chi", "JP", "")],
        entries=[("GZT-0042", "KE", [])],
    )
    response = as_staff.post(f"/secretariat/rounds/{round_.id}/assignment/propose")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The round cannot be assigned as it stands. Nothing was changed." in page
    assert "Entry GZT-0042 from Kenya has only 2 judges without a conflict; it needs 3." in page


def test_manual_assignment_of_a_conflicted_pair_is_refused_over_http(as_staff, db, cycle):
    round_ = _round_with(
        cycle, k=1, judges=[("Wanjiru", "KE", "")], entries=[("GZT-0001", "KE", [])]
    )
    judge_id = db.session.scalar(select(User.id).where(User.name == "Wanjiru"))
    response = as_staff.post(
        f"/secretariat/rounds/{round_.id}/assignment/add",
        data={"judge_id": str(judge_id), "reference_code": "gzt-0001"},
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Wanjiru has a conflict with GZT-0001" in page
    assert 'id="judge_id-error"' in page
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_assignment_page_shows_panels_loads_and_gaps(as_staff, db, staff, cycle):
    round_ = _assigned_round(db, staff, cycle)
    _declare(db, db.session.scalars(select(Assignment)).first())
    page = as_staff.get(f"/secretariat/rounds/{round_.id}/assignment").get_data(as_text=True)
    assert "1 judge is missing across the entries." in page
    assert "Propose a top-up for the gaps" in page
    assert "GZT-0001" in page and "1 missing" in page
