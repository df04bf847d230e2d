"""decide() is pure: tables of small hand-made evidence and the action each must give."""
from __future__ import annotations

from dataclasses import replace

import pytest

from app.assistant.decide import Action, Thresholds
from app.assistant.evidence import Candidate, Evidence
from app.assistant.route import route as decide
from app.assistant.signals import Level, Signals, read_signals
from app.servicemodel import load_service_model

MODEL = load_service_model()


def cand(kind: str, ident: str, score: float, articles: tuple[str, ...] = (), **flags) -> Candidate:
    return Candidate(kind, ident, ident, score, score, articles=articles, **flags)


def signals(text: str = "our message bounced back with an error") -> Signals:
    return read_signals(text)


def evidence(entities=(), documents=(), anchors=("DIP",), sig: Signals | None = None, information: float = 12.0,
             known_share: float = 1.0, semantic_top: float | None = None) -> Evidence:
    return Evidence("q", sig or signals(), tuple(entities), tuple(documents), information=information,
                    known_share=known_share, domain_share=1.0, anchors=anchors, semantic_top=semantic_top)


BOUNCE = cand("dip", "DIP-SEND-04", 0.7, ("dip-message-bounce-back",))
BOUNCE_DOC = cand("article", "dip-message-bounce-back", 0.75, ("dip-message-bounce-back",))
TOPIC_DOC = cand("article", "what-is-the-dip", 0.9, ("what-is-the-dip",))


@pytest.mark.parametrize(("name", "ev", "action", "entity"), [
    ("routable scenario with its own article ahead", evidence([BOUNCE], [BOUNCE_DOC]), Action.RAISE_CASE,
     "DIP-SEND-04"),
    ("self-help-only row", evidence([cand("dip", "DIP-REG-02", 0.6, self_help_only=True)]), Action.SELF_HELP,
     "DIP-REG-02"),
    ("not Elexon's responsibility", evidence([cand("dip", "DIP-DCP-03", 0.6, self_help_only=True, redirect=True)]),
     Action.REDIRECT, "DIP-DCP-03"),
    ("catalogue request", evidence([cand("sr", "SR-04", 0.6)]), Action.RAISE_CASE, "SR-04"),
    ("an unrelated article explains much more", evidence([cand("sr", "SR-27", 0.5)], [TOPIC_DOC]), Action.SELF_HELP,
     None),
    ("a what-is question answered by a glossary term",
     evidence([cand("incident", "IC-08", 0.8)], [cand("glossary", "data-acquisition-hub", 0.85)],
              sig=signals("whats a data acquisition hub")), Action.SELF_HELP, None),
    ("a reported fault is not answered by a glossary term, however well it matches",
     evidence([cand("dip", "DIP-RECV-03", 0.4)], [cand("glossary", "webhook", 0.49)],
              sig=signals("our webhook isnt getting anything pushed from the DIP")), Action.RAISE_CASE,
     "DIP-RECV-03"),
    ("nothing explains it", evidence([cand("dip", "DIP-FUND-03", 0.2)], anchors=()), Action.OUT_OF_SCOPE, None),
    ("no service words, words we never use, weak evidence",
     evidence([cand("dip", "DIP-CHANGE-03", 0.45)], anchors=(), known_share=0.6), Action.OUT_OF_SCOPE, None),
    ("no service words but all ours", evidence([cand("dip", "DIP-CHANGE-03", 0.45)], anchors=()), Action.RAISE_CASE,
     "DIP-CHANGE-03"),
    ("too little said", evidence([cand("dip", "DIP-SEND-07", 0.9)], anchors=(), sig=signals("what about it then"),
                                 information=1.8), Action.OUT_OF_SCOPE, None),
    ("a fault told in few words, all the service's own",
     evidence([cand("dip", "DIP-SEND-07", 0.9), cand("dip", "DIP-SEND-03", 0.85)], anchors=(), information=1.8),
     Action.RAISE_CASE, None),
    ("a fault told in few words only one row uses",
     evidence([cand("dip", "DIP-RECV-03", 1.0), cand("dip", "DIP-RECV-01", 0.75)], anchors=(), information=4.6,
              sig=signals("our webhook isn't receiving anything")), Action.RAISE_CASE, "DIP-RECV-03"),
    ("far in meaning from everything", evidence([cand("dip", "DIP-FUND-03", 0.45)], anchors=(), semantic_top=0.2),
     Action.OUT_OF_SCOPE, None),
    ("close in meaning though few words match",
     evidence([cand("dip", "DIP-REG-05", 0.36)], anchors=(), known_share=0.7, semantic_top=0.62),
     Action.RAISE_CASE, "DIP-REG-05"),
    ("no service words but strong evidence", evidence([BOUNCE], [BOUNCE_DOC], anchors=()), Action.RAISE_CASE,
     "DIP-SEND-04"),
])
def test_action_table(name, ev, action, entity):
    d = decide(ev, MODEL)
    assert d.action is action, name
    assert (d.entity.id if d.entity else None) == entity, name


def test_escalates_to_the_incident_category_when_outage_words_and_it_is_close_behind():
    ev = evidence([cand("dip", "DIP-SEND-05", 0.6), cand("incident", "IC-08", 0.55)],
                  sig=signals("messages to Helix backing up since 5am, is it down?"))
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE
    assert d.entity.id == "IC-08"
    assert d.case_draft.category == "Time or Market Share Thresholds"
    assert d.case_draft.subcategory == "DAH System Failures"
    assert d.case_draft.derivation is not None


@pytest.mark.parametrize(("text", "incident"), [
    ("nobody can log in to the DIP portal, it's down for every participant", "IC-01"),
    ("the DCC is down for everyone", "IC-10"),
])
def test_a_system_down_for_every_participant_is_its_incident_however_its_category_scored(text, incident):
    # the named system's category is far behind the best row, or not among the candidates at all
    for candidates in ([cand("dip", "DIP-REG-05", 0.65), cand("incident", "IC-10", 0.3)],
                       [cand("dip", "DIP-REG-05", 0.65)]):
        ev = replace(evidence(candidates, sig=signals(text)), question=text)
        assert decide(ev, MODEL).entity.id == incident


def test_a_system_down_for_some_keeps_the_ratio():
    text = "the DIP portal is down for several of us"
    ev = replace(evidence([cand("dip", "DIP-REG-05", 0.65), cand("incident", "IC-10", 0.3)], sig=signals(text)),
                 question=text)
    assert decide(ev, MODEL).entity.id == "DIP-REG-05"


def test_keeps_the_scenario_without_outage_words():
    ev = evidence([cand("dip", "DIP-SEND-05", 0.6), cand("incident", "IC-08", 0.55)],
                  sig=signals("we get told to back off and retry, what does it mean for our flows"))
    assert decide(ev, MODEL).entity.id == "DIP-SEND-05"


def test_raise_case_draft_is_the_scenario_row():
    d = decide(evidence([BOUNCE], [BOUNCE_DOC]), MODEL)
    row = MODEL.scenarios["DIP-SEND-04"]
    assert (d.case_draft.category, d.case_draft.type, d.case_draft.report_to, d.case_draft.priority) == (
        row.category, row.type, row.report_to, row.priority)
    assert d.articles[0].id == "dip-message-bounce-back"


def test_says_it_is_unsure_when_the_top_two_are_close():
    ev = evidence([cand("dip", "DIP-SEND-06", 0.5), cand("dip", "DIP-SEND-07", 0.49)])
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE and not d.sure


def test_escalates_when_best_hit_is_below_confident_threshold():
    d = decide(evidence([cand("dip", "DIP-SEND-04", 0.35)]), MODEL)
    assert d.action is Action.RAISE_CASE and not d.sure
    assert d.confidence < decide(evidence([cand("dip", "DIP-SEND-04", 0.7)]), MODEL).confidence


def test_priority_question_gets_the_derivation():
    sig = signals("If only my company is affected but our main function is completely down, what priority?")
    d = decide(evidence([cand("incident", "IC-02", 0.37)], [cand("article", "incident-priorities", 0.43)], sig=sig),
               MODEL)
    assert d.action is Action.SELF_HELP
    assert d.priority_hint is not None and d.priority_hint.priority == "P3"


def test_thresholds_are_parameters():
    ev = evidence([cand("dip", "DIP-CHANGE-03", 0.45)], anchors=())
    assert decide(ev, MODEL, Thresholds(unanchored=0.5)).action is Action.OUT_OF_SCOPE


def test_empty_evidence_is_out_of_scope():
    assert decide(evidence(), MODEL).action is Action.OUT_OF_SCOPE


def test_confidence_is_between_zero_and_one():
    for score in (0.0, 0.3, 0.6, 1.2):
        d = decide(evidence([cand("sr", "SR-04", score)]), MODEL)
        assert 0.0 <= d.confidence <= 1.0


def test_levels_are_read_from_the_words():
    s = read_signals("Everyone is affected and we cannot send anything")
    assert s.impact == Level("High", '"Everyone"') and s.urgency.level == "High"
    s = read_signals("several suppliers see it but there is a workaround")
    assert (s.impact.level, s.urgency.level) == ("Medium", "Medium")


def test_the_best_article_of_a_scenario_routes_to_that_scenario():
    api_doc = Candidate("article", "dip-api-not-working-when-sending", "API", 0.73, 0.65,
                        articles=("dip-api-not-working-when-sending",), covers=("DIP-SEND-03",))
    ev = evidence([cand("dip", "DIP-SEND-02", 0.44), cand("dip", "DIP-SEND-03", 0.40)], [api_doc])
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE and d.entity.id == "DIP-SEND-03"


def test_a_dip_row_close_behind_a_catalogue_request_is_the_better_route():
    ev = evidence([cand("sr", "SR-32", 0.62, ("appeal",)), cand("dip", "DIP-APPEAL-01", 0.60, ("appeal",)),
                   cand("sr", "SR-33", 0.3)])
    d = decide(ev, MODEL)
    assert d.entity.id == "DIP-APPEAL-01" and d.sure
    assert d.case_draft.report_to == "DIP Manager via Elexon Portal"


def test_the_dip_row_sharing_the_requests_article_is_its_route_even_below_another_dip_row():
    ev = evidence([cand("dip", "DIP-FUND-03", 0.74, ("update-bank-details",)),
                   cand("sr", "SR-37", 0.73, ("dip-payment-query", "billing-dispute")),
                   cand("dip", "DIP-FUND-02", 0.65, ("dip-payment-query",))],
                  [Candidate("article", "dip-payment-query", "Payments", 1.1, 1.0, articles=("dip-payment-query",),
                             covers=("DIP-FUND-02", "SR-37"))])
    assert decide(ev, MODEL).entity.id == "DIP-FUND-02"


def test_of_the_rows_sharing_a_requests_articles_the_one_whose_own_article_explains_it_best_is_the_route():
    """A billing request leads; of the funding rows behind it, the one whose own article the question matches best
    routes it, though another row (whose article explains the question less) scores higher."""
    item_doc = Candidate("article", "invoice-item", "Item", 0.76, 0.7, articles=("invoice-item",),
                         covers=("DIP-FUND-04", "SR-36"))
    receipt_doc = Candidate("article", "invoice-receipt", "Receipt", 0.48, 0.44, articles=("invoice-receipt",),
                            covers=("DIP-FUND-01", "SR-36"))
    ev = evidence([cand("sr", "SR-36", 0.49, ("invoice-item", "invoice-receipt")),
                   cand("dip", "DIP-FUND-01", 0.40, ("invoice-receipt",)),
                   cand("dip", "DIP-FUND-04", 0.38, ("invoice-item",))], [item_doc, receipt_doc],
                  sig=signals("we'd like to query a charge on the invoice"))
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE and d.entity.id == "DIP-FUND-04"
    assert d.case_draft.category == "DIP - Funding"


def test_a_row_far_behind_whose_article_explains_less_than_the_requests_does_not_take_over():
    billing = Candidate("article", "billing", "Billing", 0.76, 0.7, articles=("billing",), covers=("SR-36",))
    receipt_doc = Candidate("article", "invoice-receipt", "Receipt", 0.48, 0.44, articles=("invoice-receipt",),
                            covers=("DIP-FUND-01", "SR-36"))
    ev = evidence([cand("sr", "SR-36", 0.6, ("billing", "invoice-receipt")),
                   cand("dip", "DIP-FUND-01", 0.40, ("invoice-receipt",))], [billing, receipt_doc],
                  sig=signals("we'd like to query a charge on the invoice"))
    assert decide(ev, MODEL).entity.id == "SR-36"


def test_a_general_article_does_not_take_over_when_the_scenarios_own_article_is_nearly_as_good():
    own = Candidate("article", "dip-api-not-working-when-sending", "API", 0.86, 0.8,
                    articles=("dip-api-not-working-when-sending",), covers=("DIP-SEND-03",))
    general = Candidate("article", "dip-technologies-apis", "APIs", 0.91, 0.85, articles=("dip-technologies-apis",),
                        covers=("SR-15",))
    ev = evidence([cand("dip", "DIP-SEND-03", 0.79, ("dip-api-not-working-when-sending",)),
                   cand("sr", "SR-15", 0.63, ("dip-technologies-apis",))], [general, own],
                  sig=signals("cant connect to the DIP API at all to send flows"))
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE and d.entity.id == "DIP-SEND-03"


def test_a_catalogue_request_well_ahead_stays():
    ev = evidence([cand("sr", "SR-04", 0.62), cand("dip", "DIP-DATA-01", 0.45)])
    assert decide(ev, MODEL).entity.id == "SR-04"


def test_vague_question_offers_a_case_without_guessing_its_routing():
    ev = evidence([cand("dip", "DIP-RECV-03", 0.74), cand("dip", "DIP-DCP-03", 0.70)],
                  [cand("article", "dip-webhook-not-receiving-messages", 0.76)], anchors=(),
                  sig=signals("help, nothing works"), information=7.4)
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE
    assert d.entity is None and d.case_draft is None and not d.sure


def test_an_incident_category_needs_outage_words_or_a_central_service_only_it_names():
    generic = Candidate("incident", "IC-01", "IC-01", 0.91, 0.91, matched=("error", "receiv"))
    scenario = Candidate("dip", "DIP-RECV-01", "DIP-RECV-01", 0.88, 0.8, matched=("error", "receiv"))
    d = decide(evidence([generic, scenario], sig=signals("we see error messages when receiving flows")), MODEL)
    assert d.entity.id == "DIP-RECV-01"
    named = Candidate("incident", "IC-13", "IC-13", 0.61, 0.6, matched=("ees", "regs", "failur"))
    weaker = Candidate("dip", "DIP-RECV-01", "DIP-RECV-01", 0.5, 0.5, matched=("failur",))
    d = decide(evidence([named, weaker], sig=signals("REGS failures because EES data is out of sync")), MODEL)
    assert d.entity.id == "IC-13" and d.case_draft.subcategory == "EES Service Failure"


def test_many_users_words_make_it_an_incident():
    sr = cand("sr", "SR-30", 0.87)
    ic = cand("incident", "IC-11", 0.73)
    d = decide(evidence([sr, ic], sig=signals("we suspect a security breach affecting multiple participants")), MODEL)
    assert d.entity.id == "IC-11" and d.case_draft.derivation.impact == "Medium"


def test_an_outage_for_everyone_goes_to_the_named_systems_incident_when_any_incident_explains_it_as_well():
    """The incident category of the system the message names (DIP) can score lower than another incident category;
    whether an incident fits at all is measured by the likeliest incident, not by the named one."""
    text = "nobody can get into the DIP portal, it's down for every participant"
    ev = Evidence(text, read_signals(text),
                  (cand("dip", "DIP-REG-05", 0.39), cand("incident", "IC-10", 0.34), cand("incident", "IC-01", 0.28)),
                  (), information=12.0, known_share=1.0, domain_share=1.0, anchors=("DIP",))
    d = decide(ev, MODEL)
    assert d.action is Action.RAISE_CASE and d.entity is not None and d.entity.id == "IC-01", d.why
