"""Reading one message: what it is (a new problem, facts about the current one, a greeting...) and the facts it carries.

Only general English cues live here (who is affected, when, how urgent, "still failing", "yes please"); nothing
about any one topic. The dialogue tracker (``app.assistant.dialogue``) decides what the reading means for the
conversation.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from app.assistant.signals import HOW_TO, PRIORITY_QUESTION, PROBLEM, REQUEST, SUPPOSING, WHO_TO_CONTACT, _rx

#: Elexon's support hours (section 3: "working hours 9.00am till 5.00pm") on England and Wales business days
SUPPORT_OPENS, SUPPORT_CLOSES = 9, 17


class Act(StrEnum):
    GREETING = "greeting"  # "hello", "good morning": nothing to route
    THANKS = "thanks"  # "thanks", "that fixed it"
    HELP = "help"  # "help", "what can you do?", "are you a bot?": asks about the assistant, names no need yet
    MESSAGE = "message"  # anything with content of its own


GREETING_WORDS = frozenset("hi hello hey hiya morning afternoon evening yo greetings howdy".split())
#: who a greeting is addressed to: greeting words with these are still a greeting, these alone are not ("everyone"
#: answers "who is affected?")
ADDRESSEES = frozenset("good there team all folks everyone".split())
THANKS = _rx(r"thanks?(?: you)?(?: (?:very|so) much| a lot| lots)?", r"thank (?:you|u)", r"thx", r"ty", r"tyvm",
             r"cheers", r"ta", r"much appreciated",
             r"(?:that|it)(?:'s| has| is)? (?:fixed|solved|sorted|worked|resolved)(?: it)?", r"all sorted", r"perfect",
             r"(?:good)?bye(?: for now)?", r"see you", r"cheerio", r"that'?s (?:all|everything)(?: for now)?",
             r"never ?mind", r"(?:it'?s|its|it is|they'?re|they are|all|everything'?s?|everything is) (?:working|fine|"
             r"ok|okay|sorted|back(?: up)?|going through|coming through|flowing)(?: (?:now|again|fine))*",
             r"(?:it|they|that) (?:went|got|came|come|go) through(?: now| in the end)?", r"(?:no longer|not) needed",
             r"ignore (?:that|me|this|my last)")
#: what the user will do next ("I'll try the steps", "will let you know")
_PLAN = _rx(r"(?:i|we)(?:'ll| will| shall) (?:try|give|have|check|test|look|let|come|get back|follow|read|do)",
            r"will do", r"let you know", r"get back to you")
#: the user tried the guidance, or says it did not help: "no luck", "still failing", "checked everything"
TRIED = _rx(r"no luck", r"no joy", r"(?:did|does|do) ?n[o']t (?:work|help|fix|solve)\w*", r"(?:didn'?t|did not) work",
            r"not (?:worked|helped|fixed|solved)",
            r"(?:that|it|this|which) (?:hasn'?t|has not|didn'?t) (?:helped|worked)",
            r"still(?! (?:need|want|waiting for (?:an? )?(?:answer|reply)))",
            r"already (?:tried|checked|done|followed)",
            r"tried (?:that|this|it|everything|all|the|those|these|your)", r"checked (?:everything|all|that|those|it)",
            r"followed (?:the|your|those|these|that|it|all)", r"as (?:described|suggested|advised|instructed)",
            r"(?:did|done|made) (?:the|that|it|those|these|all)\b.{0,40}(?:but|and still)",
            r"same (?:error|problem|issue|result|thing|again)", r"again(?! and again)", r"not solved",
            r"no (?:change|difference)",
            r"(?:none|neither) of (?:th(?:at|ose|ese)|it) (?:worked|helped)", r"nothing (?:worked|helped|changed)",
            r"that didn'?t", r"doesn'?t help")
#: the user confirms the suggested request or asks for the case: "yes please", "go ahead", "raise it"
CONFIRM = _rx(r"yes(?: please)?", r"yeah", r"yep", r"please do", r"go ahead", r"(?<!n't )(?<!not )do it",
              r"(?<!not )ok(?:ay)?", r"(?<!not )sure",
              r"please (?:raise|request|log|open|submit|escalate) (?:it|that|this|one|a case)",
              r"(?:raise|request|log|open|submit) (?:it|that|this|one)(?: for (?:me|us))?",
              r"(?:i|we)(?:'d| would) like (?:to|that)", r"sounds good")
#: ... unless the message asks something of its own: "ok, and how do I get one?" is a question
_ASKS = re.compile(r"\?|\b(?:how|what|why|where|when|which|who)\b")
#: asks for the case itself ("please raise a case then", "log it for us"), naming nothing new
ASKS_CASE = _rx(r"(?<!if i )(?<!if we )(?<!when i )(?<!when we )(?<!once i )(?<!once we )"
                r"(?:raise|log|open|submit) (?:it|that|this|one|an? (?:case|ticket))(?: for (?:me|us))?(?: then)?")
#: a whole message that only says yes or no ("yep", "not really"): it answers whatever was said last
_BARE_YES = re.compile(r"^\W*(?:yes|yeah|yep|yup|ok|okay|sure|great|perfect|cool|got it|brilliant)"
                       r"(?:\W+(?:thanks|thank you|cheers|that'?s (?:great|it|all)))?\W*$", re.I)
_BARE_NO = re.compile(r"^\W*(?:no|nope|nah|not really|not quite|no it (?:doesn'?t|didn'?t))\W*$", re.I)
#: words that point back to what was said before
BACK_REFERENCE = _rx(r"still", r"same", r"again", r"also", r"too", r"as well", r"as described", r"the article",
                     r"your (?:steps|advice|suggestion|answer)", r"those steps", r"these steps", r"that", r"this",
                     r"it", r"its", r"they", r"them", r"turns out", r"actually", r"forgot to (?:mention|say)",
                     r"update", r"then(?=\W*$)")  # a closing "then" ("so who do I contact then?"): after what was said
#: a message that says it is about something else
NEW_TOPIC = _rx(r"separately", r"another (?:question|thing|issue|problem|matter)",
                r"different (?:question|issue|problem|"
                r"matter|topic)", r"unrelated", r"new (?:question|issue|problem|topic)", r"one more thing",
                r"on another (?:note|matter)", r"something else",
                r"also,? (?:can|could|how|what|why|where|when|is|are|do|"
                r"does|we|i|our)\b", r"while i(?:'m| am| have) (?:got )?you", r"a second (?:question|issue|problem)")
#: an aside ("btw, what does DCP stand for?"): another topic, unless it only adds a fact ("it's 11pm by the way")
ASIDE = _rx(r"btw", r"by the way", r"quick q(?:uestion|n)?", r"side (?:question|note)")
_LEADING_ASIDE = re.compile(r"^\W*(?:btw|by the way|quick (?:q|qn|question|one)|side (?:question|note))\b[\s,:;.!-]*",
                            re.I)
#: the urgency a user expresses, without saying what works or not ("really urgent", "go live on Monday")
URGENT = _rx(r"(?:really |very |extremely |quite )?urgent(?:ly)?", r"asap", r"as soon as possible", r"critical",
             r"emergency", r"go(?:ing)? live", r"deadline", r"top priority", r"immediately", r"right now")

AFFECTED_EVERYONE = _rx(r"every(?:one|body)", r"all (?:the )?(?:other )?(?:market )?(?:users|participants|suppliers|"
                        r"ldsos|agents|companies|parties)", r"every (?:participant|supplier|user|ldso|company)",
                        r"(?:the )?whole (?:dip|market|industry|platform|system|service)", r"market[- ]wide",
                        r"industry[- ]wide", r"system[- ]wide", r"nobody can", r"no[- ]one can",
                        r"all (?:of )?(?:the )?(?:market|industry)", r"for all")
AFFECTED_SEVERAL = _rx(r"several", r"multiple", r"many (?:users|participants|suppliers|companies|ldsos|agents|of us)",
                       r"other (?:participants|suppliers|companies|ldsos|agents|parties|users)",
                       r"some (?:other )?(?:users|participants|suppliers|ldsos|agents)", r"not (?:just|only) us",
                       r"others (?:too|as well|also)", r"(?:a few|a couple of) (?:other )?\w+", r"we all",
                       r"(?:most|some|lots) of (?:us|the market)", r"same (?:problem|issue) as us")
AFFECTED_SELF = _rx(r"(?<!not )only (?:us|me|our \w+|my \w+)", r"(?<!not )just (?:us|me|our \w+|my \w+)",
                    r"(?<!not )(?:just|only) (?:the )?one (?:user|account|person|login|of us)\w*",
                    r"single user",
                    r"(?:other|the other) (?:\w+ )?(?:participants|suppliers|ldsos|agents|companies) (?:are|seem|look) "
                    r"(?:fine|ok|okay|unaffected|getting|receiving|working)",
                    r"(?:no one|nobody) else", r"only affect(?:s|ing)? (?:us|me)", r"it'?s (?:just|only) (?:us|me)")
#: whether the service's primary functions work (section 6.3 urgency), read with negations
URGENCY_HIGH = _rx(r"no (?:work[- ]?around|way round|alternative)", r"(?:without|haven'?t got|have no|don'?t have) "
                   r"(?:a |any )?work[- ]?around", r"nothing (?:is |can be )?(?:flowing|working|moving|being (?:sent|"
                   r"delivered|received))", r"nothing (?:can be |gets? |is )?(?:sent|delivered|received|through)",
                   r"(?:cannot|can'?t|unable to) (?:send|receive|do) anything", r"completely", r"at all",
                   r"totally", r"entirely", r"(?:is|are|went|gone|has gone) down", r"down for", r"outage",
                   r"unavailable", r"stopped (?:working|flowing|sending|receiving)", r"primary functions?",
                   r"not (?:coming|getting) through", r"no \w+ (?:at all|for|since)",
                   r"all (?:our )?(?:messages|flows)")
URGENCY_MEDIUM = _rx(r"(?:there is|there'?s|we have|we've got|using|got) (?:a )?work[- ]?around", r"degraded",
                     r"slow(?:er)?", r"intermittent\w*", r"some (?:messages|flows)", r"partially", r"delayed",
                     r"sometimes", r"now and then", r"occasional\w*")
URGENCY_LOW = _rx(r"inconvenien\w*", r"minor", r"cosmetic", r"not urgent", r"no rush", r"low priority",
                  r"when(?:ever)? you (?:can|get a chance)")
#: a breach asked about rather than reported: supposed ("what happens if there is a data breach?", signals.SUPPOSING)
#: or any breach at all ("what priority is a security breach")
BREACH_ASKED_ABOUT = _rx(r"(?:what|which) priority (?:is|would be|are) (?:a|an|any) (?:\w+ ){0,2}breach")
#: a suspected or actual unauthorised data breach is Priority 1 (section 6.4)
BREACH = _rx(r"(?:data|security) breach", r"breach(?:ed)?", r"unauthori[sz]ed (?:party|parties|access|person|"
             r"penetration|use|user)", r"hack(?:ed|ers?|ing)?", r"compromised", r"intrusion", r"ransomware",
             r"malware", r"(?:data|information|credentials?|keys?) (?:was |were |has been |have been )?leak(?:ed)?",
             r"leak(?:ed)? (?:data|information|credentials?|keys?)", r"stolen",
             r"(?:someone|somebody|an? (?:outsider|attacker|third party)) (?:has |have )?(?:got|gained|broken) "
             r"(?:in|into|access)", r"(?:downloaded|accessed|copied) data (?:they|he|she|it) (?:shouldn'?t|should not)",
             r"(?:accessed|logged (?:in|into)|used|got into) [\w ]{0,40}without (?:our |my |any )?(?:permission|"
             r"authori[sz]ation|consent)", r"suspicious (?:log ?ins?|sign ?ins?|access)",
             r"(?:log ?ins?|sign ?ins?|logons?|access|activity|sessions?) [\w ]{0,40}(?:we|i) "
             r"(?:do ?n[o']?t|did ?n[o']?t) recogni[sz]e",
             r"unrecogni[sz]ed (?:log ?ins?|sign ?ins?|logons?|access|ip|devices?|activity|sessions?|users?)",
             r"(?:log(?:ging|ged|s)? ?(?:in|on)(?:to)?|sign(?:ing|ed|s)? ?in(?:to)?|access(?:ing|ed)?|got into|"
             r"getting into|into (?:our|my|the) \w+)[\w' ]{0,40}\b(?:who|that) (?:shouldn'?t|should not|"
             r"isn'?t (?:allowed|supposed)|is not (?:allowed|supposed)|wasn'?t (?:allowed|supposed)|has no right)")
#: a home energy customer's question: a bill, a home smart meter, gas (MHHS settles electricity market data)
DOMESTIC = _rx(r"(?:my|our) (?:home|house|flat)(?=\s)",
               r"my (?:energy|electricity|gas|power) (?:bill|supplier|tariff|meter|account|supply)",
               r"my (?:smart )?meter", r"my bill", r"(?:energy|electricity|gas) bill",
               r"gas (?:meter|bill|supply|leak|boiler|safety)", r"boiler", r"fit (?:my|our|a) smart meter",
               r"(?:engineer|installer) (?:never|didn'?t|did not) (?:turn|show|come)", r"direct debit",
               r"my tariff", r"price cap", r"(?:switch|change) (?:my )?(?:energy )?supplier", r"prepayment meter",
               r"top[- ]up (?:my )?meter", r"power cut")
CASE_REFERENCE = re.compile(r"\bCS[\s-]?0*\d{1,10}\b", re.I)
_CASE_WORD = r"(?:case|ticket|enquiry|inquiry|query|incident)s?(?! (?:form|description|subject|category|field)s?\b)"
#: a case the user has already raised, without its reference: "I logged a ticket yesterday", "the case we opened",
#: "our open case" (section 16.2: a registered user can "track an existing case")
EXISTING_CASE = _rx(rf"(?:i|we)(?:'ve| have)? (?:raised|logged|opened|submitted|reported|put in|sent in|filed) "
                    rf"(?:a|an|the|our|my|this|that|one)(?: \w+)? {_CASE_WORD}",
                    rf"{_CASE_WORD} (?:that )?(?:i|we)(?:'ve| have)? (?:raised|logged|opened|submitted|reported|filed)",
                    rf"(?:my|our) (?:existing|open|outstanding|previous|earlier|current|last) {_CASE_WORD}")
#: ... or named as the user's own, or as a request already sent, with a question about its progress: "any update on
#: my case?", "we submitted a request for API credentials, what's the status?"
OWN_CASE = _rx(rf"(?:my|our) (?:\w+ )?{_CASE_WORD}",
               r"(?:i|we)(?:'ve| have)? (?:raised|logged|submitted|sent|put in|made) (?:a|an|the|our|my)(?: \w+){0,3} "
               r"requests?")
CASE_PROGRESS = _rx(r"updates?", r"progress", r"status", r"news", r"heard", r"picked up", r"look(?:ed)? at",
                    r"respon\w+", r"repl(?:y|ied)", r"when will", r"how long", r"waiting", r"where is",
                    r"what'?s happening", r"no one", r"nobody", r"closed", r"resolved", r"chas\w+", r"escalat\w+")
#: asks for it to be escalated or chased in so many words (not only "still waiting")
ESCALATION_ASKED = _rx(r"escalat\w+", r"chas(?:e|ing)", r"complain\w*", r"(?:speak|talk) to (?:a|your|the) manager")
#: asks for an existing case to be escalated or chased
ESCALATE = _rx(r"escalat\w*", r"chas(?:e|ing)", r"no (?:update|response|reply|news)", r"not (?:heard|had) (?:back|"
               r"anything)", r"overdue", r"complain\w*", r"(?:been )?waiting", r"no one has", r"nobody has")
#: who a case would go to: "who handles it?", "and who deals with that", "where would it go?"
HANDLER_QUESTION = _rx(r"who (?:do|should|shall) (?:i|we) (?:send|give|pass|report) (?:it|this|that)(?: to)?",
                       WHO_TO_CONTACT.pattern,
                       r"who(?: would| will|'?ll|'?d)? (?:handles?|deals? with|looks? at|looks? after|works? on|"
                       r"fix(?:es)?|sorts?|is responsible for|picks? (?:it|this|that) up|gets?|would get|will get)",
                       r"(?:who|where) (?:does|would|will) (?:it|this|that|the case) go(?: to)?",
                       r"who (?:do|would|will) (?:i|we) (?:be )?deal(?:ing)? with")
#: what a case needs from the user: "what info do you need from us?", "what should we include?"
DETAILS_QUESTION = _rx(r"what (?:info|information|details?|data|evidence) (?:do|does|will|would|should) "
                       r"(?:you|the desk|they|i|we) (?:need|want|require|include|send|provide|give)",
                       r"what (?:do|should|shall) (?:i|we) (?:include|put in|send|provide|give|attach)",
                       r"what (?:do|does|will|would) (?:you|the desk|they) need (?:from|to know)")
#: "is the DIP down?": availability asked about, not reported
AVAILABILITY_QUESTION = _rx(r"is (?:the |there (?:an? )?)?(?:\w+ )?"
                            r"(?:down|outage|up|working|available|an issue|a problem)",
                            r"(?:anyone|anybody) else", r"is it (?:just|only) us", r"are (?:you|others) seeing",
                            r"known (?:issue|problem|outage)")

_CLOCK = re.compile(r"\b(?P<h>[01]?\d|2[0-3])(?:[:.](?P<m>[0-5]\d))?\s?(?P<ap>am|pm)\b|\b(?P<h24>[01]\d|2[0-3])[:.]"
                    r"(?P<m24>[0-5]\d)\b|\b(?P<word>midnight|midday|noon)\b", re.I)
_OUT_OF_HOURS_WORDS = _rx(r"out of hours", r"out-of-hours", r"after hours", r"overnight", r"(?:last |in the |at )night",
                          r"tonight", r"(?:the |this |over the |at the )?weekend", r"saturday", r"sunday",
                          r"bank holiday", r"christmas day", r"new year'?s day", r"evening")
_IN_HOURS_WORDS = _rx(r"in hours", r"working hours", r"office hours", r"business hours", r"this (?:morning|afternoon)",
                      r"lunchtime", r"working day")
#: asking for help, or about the assistant itself, without saying what with
HELP = _rx(r"help(?: me| us)?(?: please)?", r"(?:can|could|will|would) you (?:please )?help(?: me| us)?",
           r"(?:i|we) need (?:some )?help", r"what (?:can|do) you do", r"how (?:does|do) (?:this|you) work",
           r"what (?:are|is) (?:you|this)(?: for)?", r"who (?:are you|am i (?:talking|speaking) (?:to|with))",
           r"are you (?:a |an )?(?:bot|robot|human|person|real|ai|computer|machine)")
_GREETING_LINE = re.compile(r"^\s*(?:hi|hello|hey|dear|good (?:morning|afternoon|evening)|morning|afternoon)\b"
                            r"[^\n]{0,40}$", re.I)
_SIGN_OFF = re.compile(r"^\s*(?:(?:kind |best |warm |many )?regards|thanks(?: (?:in advance|again|very much))?|"
                       r"thank you(?: (?:in advance|very much))?|many thanks|cheers|best wishes|sincerely|yours "
                       r"(?:sincerely|faithfully)|sent from my \w+|--\s*)[,.!]?\s*$", re.I)
_QUOTED_HISTORY = re.compile(r"^\s*(?:>|-{2,}\s*original message|_{5,}|from:\s.+|on .{5,80} wrote:\s*$)", re.I)


@dataclass(frozen=True)
class StatedTime:
    words: str  # as the user wrote it ("3am", "since 10am", "over the weekend")
    out_of_hours: bool


@dataclass(frozen=True)
class Reading:
    """What one message says, apart from its topic words."""

    act: Act
    tried: bool  # tried the guidance, or it did not help
    confirms: bool  # "yes please", "go ahead"
    asks_priority: bool  # about the case itself: "what priority would that be?", "how long?", "who handles it?"
    asks_case: bool  # asks for the case, and says no problem of its own
    bare: str | None  # "yes" or "no" when that is all the message says
    back_reference: bool
    new_topic: bool  # says it is about something else
    affected: str | None  # "self" | "several" | "everyone"
    urgency: str | None  # High | Medium | Low: whether primary functions work
    urgency_words: tuple[str, ...]  # what set it, and any "really urgent" the user added
    urgent: bool  # the user stresses urgency without saying what fails
    time: StatedTime | None
    breach: bool
    domestic: bool
    case_reference: str | None
    escalate: bool  # asks for something to be escalated or chased
    availability_question: bool
    existing_case: bool = False  # about a case the user has already raised (with or without its reference)
    asks_details: bool = False  # what the case needs from the user: "what info do you need from us?"
    only_still: bool = False  # "still" is all that points back, and may tell a new problem ("is still pending")
    escalation_asked: bool = False  # "escalate it", "chase it": asked in so many words


def _found(rx: re.Pattern[str], text: str) -> str | None:
    m = rx.search(text)
    return m.group(0) if m else None


def _hour(m: re.Match[str]) -> int:
    if m.group("word"):
        return 0 if m.group("word").lower() == "midnight" else 12
    if m.group("h24"):
        return int(m.group("h24"))
    hour = int(m.group("h")) % 12
    return hour + 12 if m.group("ap").lower() == "pm" else hour


def read_time(text: str) -> StatedTime | None:
    """A time the user states: a clock time decides in or out of support hours; else words that say so."""
    if m := _CLOCK.search(text):
        hour = _hour(m)
        start = max(0, m.start() - 6)
        lead = re.search(r"(?:since|from|at|around|about)\s+$", text[start:m.start()], re.I)
        words = (lead.group(0) if lead else "") + m.group(0)
        return StatedTime(words.strip(), not SUPPORT_OPENS <= hour < SUPPORT_CLOSES)
    if words := _found(_OUT_OF_HOURS_WORDS, text):
        return StatedTime(words, True)
    if words := _found(_IN_HOURS_WORDS, text):
        return StatedTime(words, False)
    return None


def out_of_hours_at(now: datetime, is_business_day: Callable[[date], bool]) -> bool:
    """Outside 9am-5pm on a business day, in UK time (``now`` already in Europe/London)."""
    return not (is_business_day(now.date()) and SUPPORT_OPENS <= now.hour < SUPPORT_CLOSES)


def _greeting_only(text: str) -> bool:
    words = re.findall(r"[a-z']+", text.lower())
    return (bool(words) and len(words) <= 4 and all(w in GREETING_WORDS or w in ADDRESSEES for w in words)
            and any(w in GREETING_WORDS for w in words))


def _help_only(text: str) -> bool:
    """Help asked for, or the assistant asked about, and nothing else said (greetings aside)."""
    rest = HELP.sub(" ", text.lower())
    return bool(HELP.search(text)) and all(w in GREETING_WORDS or w == "please" for w in re.findall(r"[a-z']+", rest))


def _thanks_only(text: str) -> bool:
    rest = THANKS.sub(" ", text.lower())
    rest = re.sub(r"\b(?:that|it|this|for|the|help|your|you|so|much|great|brilliant|lovely|all|now|ok|okay|yes|yeah|"
                  r"works?|worked|fine|actually|oh|ah|wait|sorry|no|again)\b", " ", rest)
    if not THANKS.search(text):
        return False
    low = text.lower()
    # thanks and a plan of one's own ("thanks, I'll try the steps"): nothing to route either
    plain = _PLAN.sub(" ", low)
    return not re.search(r"[a-z]{3,}", rest) or (plain != low and not any(
        rx.search(plain) for rx in (PROBLEM, REQUEST, TRIED, _ASKS)))


def _only_still(low: str) -> bool:
    """"Still" is the only word that says the guidance was tried or points back to what was said: nothing else ("it",
    "them", "that didn't work") ties the message to the last problem."""
    said = [m.group(0) for rx in (TRIED, BACK_REFERENCE) for m in rx.finditer(low)]
    return bool(said) and all(w.startswith("still") for w in said) and not ASKS_CASE.search(low)


def read_message(text: str) -> Reading:
    low = text.lower()
    affected = ("everyone" if AFFECTED_EVERYONE.search(low) and not AFFECTED_SELF.search(low) else
                "self" if AFFECTED_SELF.search(low) else
                "several" if AFFECTED_SEVERAL.search(low) else None)
    urgency = words = None
    for level, rx in (("High", URGENCY_HIGH), ("Medium", URGENCY_MEDIUM), ("Low", URGENCY_LOW)):
        if words := _found(rx, low):
            urgency = level
            break
    urgent = _found(URGENT, low)
    ref = CASE_REFERENCE.search(text)
    act = (Act.GREETING if _greeting_only(text) else Act.THANKS if _thanks_only(text) else
           Act.HELP if _help_only(text) else Act.MESSAGE)
    return Reading(
        act=act, tried=bool(TRIED.search(low)), confirms=bool(CONFIRM.search(low)) and not _ASKS.search(low),
        asks_priority=bool(PRIORITY_QUESTION.search(low) or HANDLER_QUESTION.search(low)),
        asks_details=bool(DETAILS_QUESTION.search(low)),
        only_still=_only_still(low),
        bare="yes" if _BARE_YES.match(text) else "no" if _BARE_NO.match(text) else None,
        asks_case=bool(ASKS_CASE.search(low)) and not PROBLEM.search(low) and not HOW_TO.search(low),
        back_reference=bool(BACK_REFERENCE.search(low)),
        new_topic=bool(NEW_TOPIC.search(low) or (ASIDE.search(low) and not (affected or urgency or read_time(text)))),
        affected=affected, urgency=urgency,
        urgency_words=tuple(w for w in (words, urgent) if w), urgent=bool(urgent), time=read_time(text),
        breach=bool(BREACH.search(low)) and not (SUPPOSING.search(low) or BREACH_ASKED_ABOUT.search(low)),
        domestic=bool(DOMESTIC.search(low)),
        case_reference=re.sub(r"[\s-]", "", ref.group(0)).upper() if ref else None,
        escalate=bool(ESCALATE.search(low)), availability_question=bool(AVAILABILITY_QUESTION.search(low)),
        existing_case=bool(ref or EXISTING_CASE.search(low) or (OWN_CASE.search(low) and CASE_PROGRESS.search(low)))
        and not ASKS_CASE.search(low), escalation_asked=bool(ESCALATION_ASKED.search(low)))


_FACT_PHRASES = (AFFECTED_EVERYONE, AFFECTED_SEVERAL, AFFECTED_SELF, URGENCY_HIGH, URGENCY_MEDIUM, URGENCY_LOW, URGENT,
                 _CLOCK, _OUT_OF_HOURS_WORDS, _IN_HOURS_WORDS)


def without_facts(text: str) -> str:
    """The text without the words that only say who is affected, how badly or when ("nothing is flowing for
    anyone since 9am" leaves "for"): what is left names the problem itself, if anything does."""
    for rx in _FACT_PHRASES:
        text = rx.sub(" ", text)
    return text


def without_replies(text: str) -> str:
    """The text without its facts and its replies to the conversation ("no luck", "yes please, log it", "it's only
    us since 9am"): what is left says something new about the problem, if anything does."""
    text = without_facts(text)
    for rx in (TRIED, CONFIRM, ASKS_CASE, THANKS, BACK_REFERENCE, _BARE_NO):
        text = rx.sub(" ", text)
    return text


def without_aside(text: str) -> str:
    """The message without the aside it opens with ("btw, ...", "quick q - ..."): the question itself."""
    return _LEADING_ASIDE.sub("", text, count=1) or text


def message_body(text: str) -> str:
    """A pasted email's body: without greeting and sign-off lines, signatures and quoted history."""
    lines = text.replace("\r\n", "\n").split("\n")
    if len(lines) == 1:
        return text.strip()
    body: list[str] = []
    for line in lines:
        if _QUOTED_HISTORY.match(line):
            break  # everything after the first quoted line is the earlier thread
        if _SIGN_OFF.match(line):
            break  # the signature follows
        if not body and (_GREETING_LINE.match(line) or not line.strip()):
            continue
        body.append(line)
    cleaned = "\n".join(body).strip()
    return cleaned or text.strip()
