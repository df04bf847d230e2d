"""What kind of message this is, read from ordinary English cues (not from any topic's vocabulary).

Each cue list is general language: question forms, words that report a fault, words that ask for a
service, and the impact and urgency wording of the 6.3 priority matrix ("all users", "workaround").
"""
from __future__ import annotations

import re
from dataclasses import dataclass


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.I)


DEFINITION = _rx(r"what(?:'?s| is| are| does| do)\b(?! (?:i|we|you) )", r"whats", r"who (?:is|are)",
                 r"who (?:runs|owns|manages|operates|provides|maintains|handles|looks after|is responsible for|"
                 r"pays|approves|decides)",
                 r"how (?:does|do|is|are) (?:the |a |an )?(?!(?:i|we|you|my|our)\b)\w+",
                 r"define", r"meaning of", r"stands? for", r"explain", r"tell (?:me|us) (?:about|what)",
                 r"what (?:the|an?) \w+(?: \w+)? (?:is|are|means?)\b", r"why (?:is|are|does|do)",
                 r"what (?:counts|qualifies) as", r"what happens (?:if|when|after|next)", r"how (?:much|many)",
                 r"(?:is|are) there\b", r"^\W*any \w+",
                 r"what (?:will|would|do|does|should) (?:i|we) need", r"what (?:information|details) (?:do|does|will)",
                 r"is (?:there|it) (?:a|an|any) (?:limit|charge|fee|deadline)", r"are weekends",
                 r"where (?:do|can|should|would|will) (?:i|we) (?:find|see|look|read|get hold of)",
                 r"where (?:is|are) (?:the|a|an|your|our)",
                 # a yes/no question, or a "what ... does it have", about a thing, not about the user or their own
                 r"^\W*(?:does|do|is|are) (?:the |a |an )?(?!(?:i|we|you|it|this|that|there|my|our|your|me|us)\b)"
                 r"\w+(?: \w+)? (?!down\b|up\b|working\b|broken\b)\w+",
                 r"what \w+(?: \w+)? (?:does|do) (?:the |a |an )?(?!(?:i|we|you|my|our)\b)\w+ "
                 r"(?:have|use|hold|store|keep|support|offer|need)",
                 r"when (?:is|are|will|does|do) (?:the |a |an )?(?:next|first)\b",
                 r"when (?:is|are|will) (?:the |a |an )?\w+(?: \w+)? (?:be )?"
                 r"(?:due|published|released|scheduled|planned)")
#: something valid for a time (a certificate, a password, credentials) no longer is: "has run out", "ran out last
#: week", "lapsed", "out of date" ("run out of disk space" is something used up)
EXPIRED = re.compile(r"\b(?:expired|(?:run|runs|ran|running)\s+out\b(?!\s+of\b)|laps(?:ed|es|ing)\b|"
                     r"out[ -]of[ -]date\b)", re.I)
HOW_TO = _rx(r"how (?:do|can|should|would) (?:i|we)", r"can (?:i|we)", r"is it possible", r"is that allowed",
             r"are we allowed", r"do (?:i|we) need", r"(?:is|are) there (?:a|an|any|some)")
#: a sentence put as a question: it opens with a question word or an auxiliary verb, or ends with a question mark
QUESTION = re.compile(r"^\W*(?:what|who|whom|whose|when|where|which|why|how|is|are|am|was|were|do|does|did|can|could|"
                      r"will|would|shall|should|may|might|has|have|had)\b|\?\s*$", re.I)
PROBLEM = _rx(r"errors?", r"erro\w*", r"fail\w*", r"reject\w*", r"not working", r"isn'?t working", r"aren'?t",
              r"isn'?t", r"won'?t", r"can'?t", r"cannot", r"couldn'?t", r"unable", r"stuck", r"hasn'?t",
              r"haven'?t", r"didn'?t", r"doesn'?t", r"never", r"missing", r"wrong", r"broken", r"down",
              r"bounc\w*", r"delay\w*", r"still", r"problem", r"issue", r"no longer", r"nothing", r"keeps?",
              r"came back", r"stopped", r"outage", r"backing up", r"blank", r"disagree", r"not (?:been |yet )?\w+ed",
              r"(?:is|are|was|were|keeps?) not \w+ing", r"\w+'(?:re|s|m) not \w+ing", EXPIRED.pattern)
REQUEST = _rx(r"can you", r"could you", r"would you", r"please", r"we'?d like", r"i'?d like", r"we need",
              r"i need", r"we want", r"i want", r"want to", r"request\w*", r"who do (?:i|we) (?:ask|contact)",
              r"how do (?:i|we) (?:get|request|arrange|subscribe|sign up|make)", r"let .{1,40} know")
#: asks whether the desk is there, addressed as "you" ("are you open", "do you work weekends") or as anyone being
#: around, or its hours
DESK_HOURS = _rx(r"(?:are|is) (?:you|any(?:one|body)|some(?:one|body)) (?:\w+ )?(?:open|there|around|available|working|"
                 r"staffed|about|in|at|on)", r"(?:do|will|can|does) (?:you|it) (?:\w+ )?(?:work|open|close|operate)",
                 r"(?:what time|when) (?:do|are|will|does) you", r"(?:opening|closing|office) (?:hours|times?)",
                 r"your (?:opening |working |office )?hours")
#: "who do I call / ring / email": whom to contact (the verb is group 2), not a call a system makes ("API call") or
#: a call expected ("vetting call")
WHO_TO_CONTACT = re.compile(r"\b(who (?:(?:do|should|can|could|would|must|shall) (?:i|we) |to ))(call|ring|phone|"
                            r"e-?mail|contact|speak to|talk to|get in touch with|get hold of)\b", re.I)
#: asks about the desk itself: whether it is there (DESK_HOURS), or how to reach a person ("can I email you", "speak
#: to someone", "who do I call")
TO_DESK = _rx(r"(?:e-?mail|phone|call|ring|contact|reach|speak (?:to|with)|talk (?:to|with)|write to) (?:you|your \w+|"
              r"the desk|some(?:one|body)|any(?:one|body)|a (?:person|human))\b", DESK_HOURS.pattern,
              WHO_TO_CONTACT.pattern)
#: a condition that has not happened ("if the DIP stops working", "in case our certificate expires")
HYPOTHETICAL = _rx(r"if", r"in case", r"in the event (?:of|that)", r"whenever", r"should (?:the|our|my|a|an) \w+ "
                   r"(?:stop|fail|go|break|expire)")
#: a question about what to do should a condition arise, the condition governed by the question itself: "what happens
#: if the DIP goes down?", "how do we report it if ...", "if we get hacked, who do we tell?"
SUPPOSING = _rx(r"what happens (?:if|when|should|in case)",
                r"what (?:do|should|would|must) (?:i|we) do (?:if|when|should|in case)",
                r"how (?:do|should|would|can|are) (?:i|we) (?:\w+ ){1,4}(?:if|in case|in the event)",
                r"^\W*if\b[^.?!]{3,80}\b(?:who|how|what) (?:do|should|can|would) (?:i|we)",
                # ... or about any such case, said with "a" or "any": "is a DCC outage a major incident?"
                r"^\W*(?:is|are|does|do|would|will) (?:a|an|any) \w+[^.!]*\?\s*$")
#: the user's own record at the desk: "my case", "our tickets", "the enquiry we raised"
OWN_CASE = _rx(r"(?:my|our) (?:\w+ )?(?:case|ticket|enquiry|inquiry|query|request)s?",
               r"(?:case|ticket|enquiry|inquiry|query|request)s? (?:i|we) (?:raised|logged|opened|submitted|sent)")
PRIORITY_QUESTION = _rx(r"what priority", r"which priority", r"priority would", r"how (?:long|quickly|fast)",
                        r"resolution (?:time|target)", r"(?:what|which|how long)[^.?!]{0,30}\bsla\b",
                        r"\bsla (?:for|on) (?:a |an )?(?:p[1-4]|priority)")
OUTAGE = _rx(r"down", r"outage", r"broken", r"not coming through", r"aren'?t coming through", r"backing up",
             r"nothing (?:has )?(?:come|came|coming|arrived|gone|going) (?:through|in|out)", r"nothing in or out",
             r"at all", r"completely", r"no \w+ (?:for|since)",
             r"hasn'?t (?:given|sent|received|had) (?:us )?any", r"(?:haven'?t|have not) had any",
             r"stopped", r"unavailable", r"(?:not|isn'?t|aren'?t|stopped) responding", r"unresponsive",
             r"isn'?t answering", r"no (?:\w+ )?responses",
             r"for (?:two|three|several|\d+) (?:hours|days)", r"since \d")
#: "last night" or "on Saturday" says when something happened, not that the user writes out of hours
OUT_OF_HOURS = _rx(r"out of hours", r"out-of-hours", r"after hours", r"overnight",
                   r"(?<!last )(?<!yesterday )(?:night|evening)", r"(?<!last )(?<!on )(?:weekend|saturday|sunday)",
                   r"bank holiday", r"(?:[6-9]|1[01])(?::\d\d)? ?pm", r"midnight", r"[1-6](?::\d\d)? ?am")
IN_HOURS = _rx(r"in hours", r"working hours", r"office hours", r"business hours", r"this (?:morning|afternoon)",
               r"working day", r"(?:[89]|1[01])(?::\d\d)? ?am", r"(?:12|[1-4])(?::\d\d)? ?pm", r"lunchtime")

IMPACT_HIGH = _rx(r"all users", r"all (?:market )?participants", r"market[- ]wide", r"everyone", r"everybody",
                  r"industry[- ]wide", r"system[- ]wide", r"whole market", r"nobody can", r"no[- ]one can")
IMPACT_MEDIUM = _rx(r"several", r"multiple", r"many (?:users|participants|suppliers|companies)",
                    r"other (?:participants|suppliers|companies)", r"some (?:users|participants|suppliers)",
                    r"not just us", r"others too", r"(?:any|all|none|most) of us", r"we all")
IMPACT_LOW = _rx(r"only (?:my|our) (?:company|organisation|organization|team|firm|business)", r"only us",
                 r"just us", r"only me", r"just me", r"single user", r"only affect(?:s|ing)? (?:us|me)",
                 r"only (?:my|our) (?:company|organisation|organization) is affected")
URGENCY_HIGH = _rx(r"cannot send anything", r"can'?t send anything", r"down", r"completely", r"at all",
                   r"nothing (?:is )?(?:working|coming through|getting through)", r"not (?:coming|getting) through",
                   r"stopped", r"no \w+ (?:at all|for|since)", r"hasn'?t (?:given|sent) (?:us )?any",
                   r"primary functions?", r"main function", r"cannot work", r"can'?t work", r"broken")
URGENCY_MEDIUM = _rx(r"workaround", r"work around", r"impaired", r"degraded", r"slow(?:er)?", r"intermittent\w*",
                     r"some (?:messages|flows)", r"partially", r"delayed")
#: a security incident, or a suspected one (section 6.4: priority 1 to 3, never a service request)
SECURITY = _rx(r"security (?:breach|incident|compromise)", r"data breach", r"breach(?:ed)?", r"hack(?:ed|ing)?",
               r"compromised", r"unauthori[sz]ed (?:access|penetration|use)", r"intrusion", r"penetrat\w*",
               r"ransomware", r"malware", r"leak(?:ed)?")
URGENCY_LOW = _rx(r"inconvenien\w*", r"minor", r"cosmetic", r"not urgent", r"low priority")


#: what the user wants done to a thing, in ordinary verbs; entity names are read with the same patterns, so a
#: question that asks to create is told apart from a sibling that amends or closes the same thing
ACTIONS = {
    "create": _rx(r"new", r"add", r"adding", r"submit", r"submitting", r"submissions?", r"raise", r"raising",
                  r"create", r"creating", r"open", r"lodge", r"start", r"set up"),
    "modify": _rx(r"amend\w*", r"update", r"updating", r"correct", r"correcting", r"correction", r"fix",
                  r"fixing", r"modify", r"edit", r"rectify", r"alter", r"resubmit\w*", r"re-submit\w*"),
    "close": _rx(r"close", r"closing", r"withdraw\w*", r"cancel\w*", r"retract"),
    "share": _rx(r"shar(?:e|ing)", r"give", r"giving", r"hand(?:ing)? (?:[\w']+ ){0,4}(?:over|on)\b",
                 r"pass(?:ing)? (?:[\w']+ ){0,4}(?:on|over)\b", r"(?:give|giving|send|sending) (?:[\w']+ ){0,3}a copy",
                 r"let .{1,30} use",
                 r"on (?:our|my) behalf"),
}


def actions_in(text: str) -> frozenset[str]:
    """The action classes a text states ("Submit CR" -> create, "Amend / Update CR" -> modify)."""
    found = {name for name, rx in ACTIONS.items() if rx.search(text)}
    if "modify" in found:
        found.discard("create")  # "fix what we submitted": the new-looking verb is about the old thing
    return frozenset(found)


@dataclass(frozen=True)
class Level:
    level: str  # High | Medium | Low
    reason: str  # the words that set it, or "assumed: ..." when nothing did


@dataclass(frozen=True)
class Signals:
    definition: bool
    how_to: bool
    problem: bool
    request: bool
    priority_question: bool
    outage: bool
    out_of_hours: bool
    in_hours: bool
    impact: Level | None
    urgency: Level | None
    security: bool = False
    actions: frozenset[str] = frozenset()
    question: bool = False  # put as a question, whatever it asks
    own_case: bool = False  # about the user's own case at the desk
    to_desk: bool = False  # asks about the desk itself: when it is there, how to reach a person
    hypothetical: bool = False  # about a condition that has not happened ("if the DIP stops working")
    supposes: bool = False  # asks what to do should a condition arise ("what happens if the DIP goes down?")

    @property
    def many_users(self) -> bool:
        """The user says the problem reaches beyond them (impact Medium or High in the 6.3 wording)."""
        return self.impact is not None and self.impact.level in ("High", "Medium")

    @property
    def informational(self) -> bool:
        """Asks what something is or how things work, without reporting a fault or asking for a service. A fault
        supposed ("what happens if the DIP goes down?", "how do we report it if the DIP is down at night") is asked
        about, not reported."""
        return (self.priority_question or self.supposes or (self.definition and not self.problem)) \
            and not self.request

    @property
    def asks(self) -> bool:
        """A question (what, how, where, can I, is anyone ...?) that reports no fault: it may ask for a service, never
        an incident, and is never asked back what kind of problem it is."""
        return (self.how_to or self.definition or self.question) and not self.problem


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    m = pattern.search(text)
    return m.group(0) if m else None


def read_levels(text: str) -> tuple[Level | None, Level | None]:
    """Impact and urgency as the user's words state them (None where the words say nothing)."""
    impact = urgency = None
    for level, rx in (("High", IMPACT_HIGH), ("Low", IMPACT_LOW), ("Medium", IMPACT_MEDIUM)):
        if words := _first(rx, text):
            impact = Level(level, f'"{words}"')
            break
    for level, rx in (("Medium", URGENCY_MEDIUM), ("High", URGENCY_HIGH), ("Low", URGENCY_LOW)):
        if words := _first(rx, text):
            urgency = Level(level, f'"{words}"')
            break
    return impact, urgency


def read_signals(text: str) -> Signals:
    impact, urgency = read_levels(text)
    return Signals(
        definition=bool(DEFINITION.search(text)),
        how_to=bool(HOW_TO.search(text)),
        problem=bool(PROBLEM.search(text)),
        request=bool(REQUEST.search(text)),
        priority_question=bool(PRIORITY_QUESTION.search(text)),
        outage=bool(OUTAGE.search(text)),
        out_of_hours=bool(OUT_OF_HOURS.search(text)),
        in_hours=bool(IN_HOURS.search(text)) and not OUT_OF_HOURS.search(text),
        impact=impact,
        urgency=urgency,
        security=bool(SECURITY.search(text)),
        actions=actions_in(text),
        question=bool(QUESTION.search(text)),
        own_case=bool(OWN_CASE.search(text)),
        to_desk=bool(TO_DESK.search(text)),
        hypothetical=bool(HYPOTHETICAL.search(text)),
        supposes=bool(SUPPOSING.search(text)),
    )
