"""The reply a person reads: one plain sentence, the article's steps as a list, what happens next, the source.

Every fact comes from a cited article or glossary entry, or from a routing row of the service definition.
Ids, section numbers and resolver-group names stay in the structured fields and "why", never in the text.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

from app.assistant.decide import Action, Decision, Thresholds
from app.assistant.dialogue import Facts
from app.assistant.evidence import Candidate
from app.assistant.routing import CaseDraft, derivation_text
from app.assistant.signals import actions_in
from app.assistant.steps import Faq, StepList, article_faqs, article_steps, article_tables, best_steps
from app.assistant.text import Query, terms_of
from app.content.render import plain_text
from app.content.repository import ContentRepository
from app.search.passages import Passage, article_passages, glossary_passage
from app.servicemodel import ServiceModel

QUOTE_WORDS = 60
#: an FAQ entry answers the question when its own question holds at least this weight share of it
FAQ_SHARE = 0.6
#: a reply says what this is in at most about this many words before its steps
LEAD_WORDS = 75
TERM_WORDS = 30
#: the question asks for a time; passages stating durations answer that kind of question
_ASKS_DURATION = re.compile(r"\b(?:how (?:long|quickly|soon|fast)|timescales?|target times?|deadline|by when)\b", re.I)
_DURATION = re.compile(r"\b\d+(?:\.\d+)?\s*(?:business |working )?(?:minutes?|hours?|days?|weeks?|months?)\b", re.I)
#: the question asks when something is open or available; passages stating times of day or "24x7" answer it
_ASKS_WHEN = re.compile(r"\b(?:(?:opening|support|working|office) hours|open|opens|closed?|available|staffed|"
                        r"what times?|when (?:is|are|can|do|does))\b", re.I)
_TIME_OF_DAY = re.compile(r"\b\d{1,2}(?:[.:]\d\d)?\s*(?:am|pm)\b|\b24\s*[x/]\s*7|round the clock", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(])")
#: an article's list of what to put in a request ("How to request it", "What to include")
_CASE_SECTION = re.compile(r"\b(?:request it|to include|what to (?:send|give|say))\b", re.I)
#: who a case goes to, in the words a participant uses
REPORT_TO_PLAIN = {"Service Provider": "the DIP service provider", "DIP Manager via Elexon Portal": "the DIP Manager",
                   "Elexon Service Portal": "the Elexon service desk"}
AFFECTED_PLAIN = {"everyone": "every participant", "several": "several participants",
                  "self": "only your organisation", None: "more than one participant"}
SMALL_TALK = {
    "greeting": "Hello! Ask me about the DIP, MHHS or the service desk, or tell me what is going wrong.",
    "thanks": "You're welcome. If anything else comes up, just ask.",
    "help": ("I'm the Elexon service desk's automated assistant. I answer questions about the DIP, MHHS and the "
             "service desk from the knowledge base, and when self-help can't fix a problem I fill in a case for the "
             "desk, whose people work every case. Tell me in your own words what you need or what is going wrong."),
}
OUT_OF_SCOPE = ("Sorry, I can only help with MHHS, the DIP and the Elexon service desk, and I couldn't find anything "
                "about this. Try searching the knowledge base, or send the desk a general enquiry.")
DOMESTIC = ("I can only help market participants with the DIP and MHHS. For a home energy bill, a smart meter at "
            "home or gas, please contact your energy supplier.")


@dataclass(frozen=True)
class Quote:
    text: str
    title: str
    url: str  # with the section anchor when the passage has one
    kind: str  # "article" | "glossary"
    slug: str
    section: str | None


@dataclass(frozen=True)
class Reply:
    lead: str
    steps: tuple[str, ...]
    if_not_solved: str
    quote: Quote | None  # the source: where the steps or the answer come from

    @property
    def text(self) -> str:
        parts = [self.lead]
        if self.steps:
            parts.append("\n".join(f"{i}. {s}" for i, s in enumerate(self.steps, 1)))
        if self.if_not_solved:
            parts.append(self.if_not_solved)
        if self.quote is not None:
            parts.append(f"Source: “{self.quote.title}”.")
        return "\n".join(parts)


@lru_cache(maxsize=8192)
def _text_terms(text: str,
                protected: frozenset[str]) -> tuple[frozenset[str], frozenset[tuple[str, str]], tuple[str, ...]]:
    """A passage's (or sentence's) terms, word pairs and sequence: the same for every question, so worked out once."""
    seq = tuple(terms_of(text, protected))
    return frozenset(seq), frozenset(zip(seq, seq[1:], strict=False)), seq


def score_text(text: str, query: Query, protected: frozenset[str]) -> float:
    """Weight of the question's concepts the text contains, plus its word pairs kept together ("level 2")."""
    present, pairs, _ = _text_terms(text, protected)
    total = _covered(present, query)
    weights = {c.word: c.weight for c in query.concepts}
    asked_text = query.fixed or query.text
    if (_ASKS_DURATION.search(asked_text) and _DURATION.search(text)) or (
            _ASKS_WHEN.search(asked_text) and _TIME_OF_DAY.search(text)):
        total += max(weights.values(), default=0.0)
    asked = _text_terms(asked_text, protected)[2]
    for a, b in zip(asked, asked[1:], strict=False):
        if (a, b) in pairs:
            total += (weights.get(a, 0.0) + weights.get(b, 0.0)) / 2
    return total


def covered_share(text: str, query: Query, protected: frozenset[str]) -> float:
    """Weight share of the question's concepts the text contains."""
    return _covered(_text_terms(text, protected)[0], query) / query.total_weight


def _covered(present: frozenset[str], query: Query) -> float:
    """Weight of the question's concepts met by the terms present (any of a concept's alternatives, whole)."""
    return sum(c.weight for c in query.concepts if any(all(t in present for t in a.terms) for a in c.alternatives))


def _priority_words(priority: str) -> str:
    return f"priority {priority[1:]}" if priority[:1] == "P" and priority[1:].isdigit() else priority


class ReplyBuilder:
    def __init__(self, repo: ContentRepository, model: ServiceModel, protected: frozenset[str] = frozenset(),
                 thresholds: Thresholds | None = None) -> None:
        self.repo = repo
        self.model = model
        self.protected = protected
        self.thresholds = thresholds or Thresholds()
        self.passages = lru_cache(maxsize=1024)(self._load_passages)
        self.steps = lru_cache(maxsize=1024)(self._load_steps)
        self.tables = lru_cache(maxsize=1024)(self._load_tables)
        self.faqs = lru_cache(maxsize=1024)(self._load_faqs)

    def _load_passages(self, kind: str, slug: str) -> tuple[Passage, ...]:
        if kind == "glossary":  # its definition: the names the passage starts with are for search
            term = self.repo.get_term(slug)
            return (replace(glossary_passage(term), text=plain_text(term.html)),) if term else ()
        article = self.repo.get_article(slug)
        if article is None:
            return ()
        # the "#summary" passage repeats the front matter summary: quote the body
        return tuple(p for p in article_passages(article) if not p.id.endswith("#summary")) or tuple(
            article_passages(article))

    def _load_steps(self, slug: str) -> tuple[StepList, ...]:
        article = self.repo.get_article(slug)
        return article_steps(article) if article else ()

    def _load_faqs(self, slug: str) -> tuple[Faq, ...]:
        article = self.repo.get_article(slug)
        return article_faqs(article) if article else ()

    def _load_tables(self, slug: str) -> dict[str, tuple[str, ...]]:
        article = self.repo.get_article(slug)
        return article_tables(article) if article else {}

    def best_quote(self, doc: Candidate, query: Query) -> Quote | None:
        """The passage of a document that covers most of the question, trimmed to its best sentences."""
        passages = self.passages(doc.kind, doc.id)
        if not passages:
            return None
        # a section's heading says what it answers ("Who runs it")
        best = max(passages, key=lambda p: (score_text(f"{p.heading or ''} {p.text}", query, self.protected),
                                            -passages.index(p)))
        rows = self.tables(doc.id).get(best.section or "", ()) if doc.kind == "article" else ()
        # a table is quoted by its rows that fit the question, never as one flattened line
        sentences = list(rows) if rows else _units(best.text, self.tables(doc.id).values() if doc.kind == "article"
                                                   else ())
        # the questions a passage asks (an FAQ's, a heading's) are not its answers
        sentences = [s for s in sentences if not s.endswith("?")] or sentences
        ranked = sorted(range(len(sentences)), key=lambda i: (-score_text(sentences[i], query, self.protected), i))
        keep: list[int] = []
        words = 0
        for i in ranked:
            n = len(sentences[i].split())
            if keep and words + n > QUOTE_WORDS:
                break
            keep.append(i)
            words += n
        text = " ".join(sentences[i] for i in sorted(keep))
        if len(text.split()) > QUOTE_WORDS + 20:
            text = " ".join(text.split()[:QUOTE_WORDS]).rstrip(",;:") + " …"
        title, url = self._link(doc)
        return Quote(text, title, url + (f"#{best.section}" if best.section and doc.kind == "article" else ""),
                     doc.kind, doc.id, best.section)

    def _faq(self, doc: Candidate, query: Query) -> Quote | None:
        """The answer to the question, when the article asks it itself (an FAQ entry that says most of it)."""
        faqs = self.faqs(doc.id) if doc.kind == "article" else ()
        share, first = max(((covered_share(f.question, query, self.protected), -i) for i, f in enumerate(faqs)),
                           default=(0.0, 0))
        if share < FAQ_SHARE:
            return None
        faq = faqs[-first]
        title, url = self._link(doc)
        return Quote(faq.answer, title, f"{url}#{faq.anchor}" if faq.anchor else url, doc.kind, doc.id,
                     faq.anchor or None)

    def _link(self, doc: Candidate) -> tuple[str, str]:
        if doc.kind == "glossary":
            term = self.repo.get_term(doc.id)
            return (term.term, term.url) if term else (doc.title, f"/glossary/{doc.id}")
        article = self.repo.get_article(doc.id)
        return (article.title, article.url) if article else (doc.title, f"/articles/{doc.id}")

    def _steps_quote(self, doc: Candidate, steps: StepList) -> Quote:
        title, url = self._link(doc)
        return Quote(steps.heading, title, f"{url}#{steps.anchor}", doc.kind, doc.id, steps.anchor)

    # the reply
    def _named_term(self, names: tuple[str, ...], quote: Quote | None) -> str:
        """The first glossary term the question names (acronym or full name), defined in one sentence."""
        for name in names:
            if any(name != other and f" {name.lower()} " in f" {other.lower()} " for other in names):
                continue  # "DIP" in "what is a DIP ID?": the question is about the longer name
            term = self.repo.find_term(name)
            if term is None or (quote is not None and quote.kind == "glossary" and quote.slug == term.slug):
                continue
            if len(term.term.split()) < 2 and not term.acronym:
                continue  # one ordinary word ("Case"): naming it is not asking about it
            first = _SENTENCE.split(term.definition.strip())[0]
            label = f"{term.acronym} ({term.term})" if term.acronym and term.acronym != term.term else term.term
            return f"{label}: {first}"
        return ""

    def build(self, decision: Decision, query: Query, facts: Facts | None = None, first_turn: bool = True,
              named: tuple[str, ...] = (), asks: bool = False) -> Reply:
        """The reply for a decision about the current topic (``facts``: what the user told us about it; ``asks``: the
        question reports no fault, as its evidence's signals read it)."""
        d, a = decision, decision.action
        if d.reason in SMALL_TALK:
            return Reply(SMALL_TALK[d.reason], (), "", None)
        if d.reason == "domestic":
            return Reply(DOMESTIC, (), "", None)
        if a is Action.OUT_OF_SCOPE:
            return Reply(OUT_OF_SCOPE, (), "", None)
        if a is Action.CLARIFY:
            return Reply(d.question, (), "Or just tell me in your own words.", None)
        doc = next(iter(d.articles), None)
        steps = self.steps(doc.id) if doc is not None and doc.kind == "article" else ()
        # a question that reports no problem, answered by a document: the answer, or its steps when it asks how
        asked = d.reason == "question" or (d.entity is None and asks)
        answered = ("track", "priority", "guidance_only", "noted", "details")  # steps given already, or not asked
        wants_steps = a is Action.SELF_HELP and d.reason not in answered and not (asked and not query_asks_how(query))
        # an article that asks the question itself answers it with its own answer, not with its nearest list
        faq = self._faq(doc, query) if a is Action.SELF_HELP and d.entity is None and doc is not None else None
        chosen = best_steps(steps, query, self.protected, score_text) if wants_steps and faq is None else None
        if d.reason == "details" and doc is not None:  # what the case needs: the article's own list for it
            chosen = next((s for s in steps if _CASE_SECTION.search(s.heading)), None)
        quote = faq or (self._steps_quote(doc, chosen) if chosen and doc is not None else (
            self.best_quote(doc, query) if doc is not None and _supports(d, doc) else None))
        lead = self._lead(d, quote if not chosen else None, facts, bool(chosen), asked, query.text)
        if d.priority_hint is not None and a is Action.SELF_HELP:
            # "what priority would that be?" with the impact and urgency stated: the matrix answers it first
            lead = f"{derivation_text(d.priority_hint)} {lead}"
        if d.reason == "question" and d.entity is None and (term := self._named_term(named, quote)):
            # a term the question names, defined in brief, then the answer
            lead = f"{_within(term, TERM_WORDS)} {_within(lead, LEAD_WORDS - TERM_WORDS)}"
        lead = _within(lead, LEAD_WORDS)
        outage = d.entity is not None and d.entity.kind == "incident"  # its reach decided it, not a close call
        if (first_turn and not d.sure and d.confidence < self.thresholds.hedge_below and a is not Action.REDIRECT
                and not outage and d.reason not in ("tried", "requested", "case_reference", "track")):
            lead = f"I think this is what you mean, but tell me if not. {lead}"
        return Reply(lead, chosen.items if chosen else (), self._next(d), quote)

    def _lead(self, d: Decision, quote: Quote | None, facts: Facts | None, has_steps: bool,
              asked: bool = False, text: str = "") -> str:
        e, a = d.entity, d.action
        said = f" From “{quote.title}”: {quote.text}" if quote is not None and quote.text else ""
        if a is Action.REDIRECT and e is not None:
            return self._redirect(e.id) + said
        if d.reason == "guidance_only":
            return ("Sorry that didn't sort it. The service definition answers this one with guidance, not a case, "
                    "so the steps I gave are still the way. If you're stuck on one, send the desk a general enquiry "
                    "and say which step.")
        if d.reason == "tried":
            sorry = "Sorry those steps didn't fix it." if e is not None else "Sorry that didn't answer it."
            return f"{sorry} The next step is a case, and I've filled it in with what you told me."
        if d.reason == "requested":
            return "OK. I've filled in the case for you to check and send."
        if d.reason == "priority" and d.case_draft is not None:
            return f"It would be a {self._case_words(d.case_draft)}, handled by {self._who(d.case_draft)}."
        if d.reason == "track" and facts is not None and facts.case_reference:
            return (f"You can follow case {facts.case_reference} from the link in its confirmation email, and reply "
                    "there to add information. Lost the email? Ask for a new link on the Track a case page. If it "
                    "needs escalating, tell me and I'll prepare the escalation request.")
        if d.reason == "details":
            return ("For the case, include:" if has_steps else
                    "Say in the case what is happening and since when, who is affected and how urgent it is, with any "
                    "error text and message references. The case form holds what you've told me already.")
        if d.reason == "noted" and facts is not None:
            return (f"Thanks, noted: {_facts_words(facts)}. That doesn't change the advice, so the steps I gave still "
                    "apply.")
        if d.reason == "track":
            targets = ", ".join(f"{_priority_words(p)} within {t.text}" for p, t in sorted(self.model.targets.items()))
            return ("Sign in and open your cases to see where it is up to: each case shows its status and history, and "
                    f"you get an email on every update. The desk's targets are {targets}. Past its target? Give me "
                    "its reference and I'll prepare an escalation request.")
        if d.reason == "case_reference":
            return ("You'd like an existing case escalated: that is an escalation request, and I've filled it in "
                    "for you.")
        if a is Action.RAISE_CASE and e is not None and e.kind == "incident":
            ic = self.model.incident_categories.get(e.id)
            if facts is not None and facts.breach:
                return ("A suspected data breach is a priority 1 security incident. Raise it now, and keep any "
                        "evidence you have.")
            what = _incident_words(ic.subcategory) if ic else "a failure of a central service"
            who = AFFECTED_PLAIN[facts.affected if facts else None]
            return f"This sounds like {what} affecting {who}. Please raise it now so the desk can respond."
        if a is Action.RAISE_CASE and e is not None and e.kind == "sr":
            sr = self.model.service_requests.get(e.id)
            words = _request_words(sr.name if sr else "service", actions_in(text))
            return (f"That's something the service desk does for you: {words}. "
                    "I've filled in the form.")
        if a is Action.RAISE_CASE and e is not None:
            return f"This needs the service desk: {self._topic_phrase(d)}. I've prepared the case for you."
        if a is Action.RAISE_CASE:
            return ("I couldn't match this to one scenario, so the best next step is a case: the desk will route "
                    "it." if d.vague else "The next step is a case.")
        if has_steps and asked and d.entity is None:
            doc = next((x for x in d.articles if x.kind == "article"), None)
            return f"Here's how, from “{self._link(doc)[0]}”:" if doc is not None else "Here's how:"
        if has_steps:
            return f"This sounds like {self._topic_phrase(d)}. Try these steps first:"
        return said.strip() or "Here is what the knowledge base says."

    def _topic_phrase(self, d: Decision) -> str:
        """What the topic is about, in the words of its article's title (the row's own wording is often terse)."""
        doc = next((x for x in d.articles if x.kind == "article"), None)
        if doc is not None:
            title = self._link(doc)[0]
            return f"the problem in “{title}”"
        e = d.entity
        sc = self.model.scenarios.get(e.id) if e is not None else None
        return f"“{sc.description}”" if sc else "this"

    def _next(self, d: Decision) -> str:
        """What happens if the steps do not work, or what the case does."""
        draft = d.case_draft
        if d.reason in ("guidance_only", "track"):  # the lead has said what is left
            return ""
        if d.reason in ("priority", "details") and draft is not None:  # the lead has answered about the case
            return ("The case is filled in for you to check and send." if d.action is Action.RAISE_CASE
                    else "Still not working? Tell me and I'll raise it.")
        if d.action is Action.SELF_HELP and draft is not None:
            return (f"Still not working? Tell me and I'll pass it to {self._who(draft)} as a "
                    f"{self._case_words(draft)}.")
        if d.action is Action.SELF_HELP:
            return "If this doesn't answer it, tell me what's missing, or raise a case."
        if d.action is Action.RAISE_CASE and draft is not None:
            return f"The case goes to {self._who(draft)} as a {self._case_words(draft)}."
        return ""

    @staticmethod
    def _who(draft: CaseDraft) -> str:
        return REPORT_TO_PLAIN.get(draft.report_to, f"the {draft.report_to}")

    def _case_words(self, draft: CaseDraft) -> str:
        target = self.model.targets.get(draft.priority)
        kind = "request" if draft.type.lower().startswith("service request") else draft.type.lower()
        when = f", to be resolved within {target.text}" if target else ""
        return f"{_priority_words(draft.priority)} {kind}{when}"

    def _redirect(self, scenario_id: str) -> str:
        sc = self.model.scenarios[scenario_id]
        who = re.search(r"\(([^)]+)\)", sc.category)
        contact = f"your {who.group(1)}" if who else "the party responsible"
        return f"This one is for {contact} to sort out, not Elexon: please contact them directly."


#: who is affected, as the participant raising the case says it
CASE_AFFECTED = {"everyone": "every participant", "several": "several participants", "self": "only our organisation"}
#: a stated time that is a bare clock time ("2am", "09:30"), said as "at 2am"
_CLOCK_WORDS = re.compile(r"^\d{1,2}(?:[:.]\d\d)?\s*(?:am|pm)?$", re.I)


def _facts_words(facts: Facts) -> str:
    """What the user told us about the problem, in plain words: "it affects only your organisation, it started at
    2am"."""
    said = [f"it affects {AFFECTED_PLAIN[facts.affected]}"] if facts.affected else []
    if facts.started_at:
        words = re.sub(r"^(?:since|from)\s+", "", facts.started_at, flags=re.I)
        said.append(f"it started {words}" if _CLOCK_WORDS.match(words) is None else f"it started at {words}")
    if facts.urgency_words:
        said.append(f"“{facts.urgency_words[-1]}”")
    return ", ".join(said) or "what you said"


def facts_lines(facts: Facts) -> tuple[str, ...]:
    """The answers a case carries from the conversation, one line each, in the user's terms."""
    lines = []
    if facts.affected:
        lines.append(f"Who is affected: {CASE_AFFECTED[facts.affected]}.")
    if facts.started_at:
        lines.append(f"When it started: {facts.started_at}.")
    if facts.urgency_words:
        lines.append(f"How urgent: {', '.join(facts.urgency_words)}.")
    if facts.tried_self_help:
        lines.append("The suggested self-help steps were tried and did not solve it.")
    return tuple(lines)


def _supports(d: Decision, doc: Candidate) -> bool:
    """The document is where the answer comes from: the self-help or redirect answer itself, or the own article of
    the scenario, request or incident the case is for. A case no scenario was found for rests on no document, so
    none is quoted or cited (the search's best article for the words is not a source for "raise a case")."""
    return d.action in (Action.SELF_HELP, Action.REDIRECT) or (d.entity is not None and doc.id in d.entity.articles)


def _units(text: str, tables: Iterable[tuple[str, ...]]) -> list[str]:
    """A passage's sentences; a table the passage holds flattened (a short section merged into the passage before
    it) is cut out, header and all, and its rows ("Process: hours") stand in its place."""
    for rows in tables:
        flat = [row.replace(": ", " ", 1).replace("; ", " ") for row in rows]
        if not flat or not all(f in text for f in flat):
            continue
        first, last = text.find(flat[0]), text.find(flat[-1]) + len(flat[-1])
        start = max((m.end() for m in _SENTENCE.finditer(text, 0, first)), default=0)  # after the sentence before
        before, after = _units(text[:start], ()), _units(text[last:], ())
        return [*before, *rows, *after]
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def _within(text: str, limit: int) -> str:
    """At most ``limit`` words: whole sentences where they fit, else cut at a word with an ellipsis."""
    if len(text.split()) <= limit:
        return text
    kept = ""
    for sentence in _SENTENCE.split(text):
        if len((kept + " " + sentence).split()) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    return kept or " ".join(text.split()[:limit]).rstrip(",;:") + " …"


def _request_words(name: str, asked: frozenset[str] | None = None) -> str:
    """"API Access Request" -> "an API access request"; acronyms kept, "request" said once. With ``asked``, the
    actions the user's words ask for: a word of the name that states another action is left out ("my account is
    locked" is "a user access request", not "a new user access request")."""
    words = [w if w.isupper() else w.lower() for w in name.split()
             if asked is None or not (found := actions_in(w)) or found & asked]
    if words[-1] != "request":
        words.append("request")
    return _a(" ".join(words))


def _incident_words(subcategory: str) -> str:
    """"DIP Service Failures (In Hours)" -> "a DIP service failure": acronyms kept, the rest in lower case."""
    words = subcategory.split("(")[0].split()
    words = [w if w.isupper() else w.lower() for w in words]
    if words and words[-1] == "failures":
        words[-1] = "failure"
    return _a(" ".join(words))


def _a(phrase: str) -> str:
    """The phrase with "a" or "an" as it is said: "an ISD failure", "a DIP service failure", "an API request"."""
    first = phrase.split()[0] if phrase.split() else ""
    spoken_vowel = first[:1] in "AEFHILMNORSX" if first.isupper() and len(first) > 1 else (
        first[:1].lower() in "aeiou" and not first.lower().startswith(("us", "uni", "eu")))  # "a user", "a unit"
    return ("an " if first and spoken_vowel else "a ") + phrase


def query_asks_how(query: Query) -> bool:
    """"How do we renew ..." wants steps; "what is ..." wants the answer itself."""
    return re.search(r"\bhow (?:do|can|should|would|to)\b|\bsteps\b|\bprocess\b", query.text, re.I) is not None
