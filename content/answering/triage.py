"""Red-flag triage: does a message describe an emergency of reference section 8?

Recall comes first: a needless "get help now" costs a moment, a missed one could cost a
life. So triage works on concepts, not fixed phrases. Each red flag in safety.yaml is a set
of rules, each rule a few concepts ("chest" + "pain", "a child" + "swallowed" + "tablets")
that must all appear within a few words of each other. A concept is the words people use
for one idea, matched through typos ("chset"), word endings ("fainted" / "fainting") and
one filler word inside a term ("cant really breathe"), and only on whole words, so "fit"
never fires inside "fitness".

Precision comes from structure rather than from dropping words: a negated concept ("no
chest pain") does not count; an acute event told as long past near a past phrase or year
("I fainted once years ago", "in 2015") does not count, though a later event in the same
message still does; a person's state whose subject is an animal or a thing ("my cat lies
floppy") does not count; a sign next to its ordinary cause ("legs like jelly after leg
day") does not count; a single ambiguous word never fires alone; and a general question
("can magnesium cause a seizure?") still gets the advice, worded conditionally.

Every finding names the rule and the words that fired it, so the log explains each alarm.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from rapidfuzz import process
from rapidfuzz.distance import OSA
from Stemmer import Stemmer

from content.answering.normalise import RESPELLINGS, fold
from content.answering.urgency import UrgencyModel
from content.models import Concept, RedFlag

# Red flags scan the whole message: an emergency at the end of a long story still counts.
MAX_TRIAGE_WORDS = 1000
# Filler words allowed inside a multi-word term ("cant really breathe", "took way too many").
TERM_GAP = 1
# Two-word hedges that stand as one filler inside a term ("lips look kind of blue"): spoken
# and typed-as-spoken messages soften a sign without changing it.
_HEDGES = frozenset({("kind", "of"), ("sort", "of")})
_HEDGE_STARTS = frozenset(first for first, _ in _HEDGES)
# A filler never denies the term it sits in: "it wont settle" is not "it settled", and
# "heart is not racing" is not "heart racing".
_DENYING_FILLERS = frozenset(
    "no not never dont doesnt didnt isnt arent wasnt werent wont cant cannot couldnt "
    "wouldnt shouldnt havent hasnt hadnt aint".split()
)
# Words that open an intake told as too much ("took too much", "swallowed too many").
_INTAKE_VERBS = frozenset("took taken swallowed had drank downed necked".split())
# Flags the model may never quiet: a missed crisis, a child's ingestion, a stroke or an
# unresponsive person is too costly to trade for fewer false alarms.
ALWAYS_ALARM = frozenset({"self-harm", "child-ingestion", "stroke", "unresponsive"})
# A flag whose ordinary causes stop excusing it once another flag has fired: legs that will
# not move after a match are sore, but not in someone who also collapsed there.
_NO_ORDINARY_WITH = {"paralysis-sudden-weakness": "fainting"}
# Longer messages keep a rule's alarm: an emergency told among calm context ("Background:
# I'm 62, walk daily ... my smile was crooked") looks calm to an n-gram model.
SOFTEN_MAX_WORDS = 40
# A negation word this many words before a concept cancels it ("no chest pain"), or up to
# LIST_NEGATION_REACH words before it across a list joined by "or" / "nor" ("no fever, chest
# pain or shortness of breath" is one clause of things denied).
NEGATION_REACH = 3
LIST_NEGATION_REACH = 8
_LIST_WORDS = frozenset({"or", "nor"})
# A denying word this many words before a past or resolution cue ("wont settle") denies it.
DENIED_CUE_REACH = 2
# Matches of one concept considered per rule: bounds the work on a pasted wall of text.
MAX_MATCHES = 24
# An acute event this many words from a remote-past phrase ("years ago"), in its sentence,
# is told as past; a cue alone in a short sentence ("Never since.") covers the one before.
HISTORY_REACH = 15
FRAGMENT_WORDS = 2
_SENTENCE_ENDS = frozenset(".!?")
# A story, a show or a game ("the character in my novel faints", "a stroke storyline") tells
# of someone else's emergency: a sign this many words from a `fiction` cue, in its clause
# (between commas, full stops or "but"), is not happening to anyone now.
FICTION_REACH = 12
# A story's or a drill's signs are often listed ("we ran the usual scenarios, choking,
# bleeding, a collapse, a seizure"): its window goes on over the short items of a list after
# its clause, each of at most this many words, up to the first longer item or full stop, or
# one that names the writer's own people or the present.
LIST_ITEM_WORDS = 6
_REAL_NOW = frozenset("now just actually really real my me i im our we".split())
# A flag's sign this many words from one of its `ordinary_near` concepts is ordinary.
ORDINARY_REACH = 4
# A home being made safer ("which supplements are most dangerous for kids to get into? want
# to reorganise the cupboard") makes a child's supplements ordinary anywhere in a message
# that tells of no swallowing; with one ("ate some gummies while I was reorganising"), nowhere.
_ANYWHERE_UNLESS = {"child-safety": ("ingested", "swallow-magnesium", "pill-count")}
# A label's own dose ("as directed", "two as on the box") excuses nothing in a message that
# counts many tablets or a big dose: "took 10 tablets as directed" is no label's dose.
_ORDINARY_UNLESS = {"occasional-use": ("pill-count", "big-dose", "dose-multiple")}
# A cause told as a pattern ("a flutter maybe once a week") excuses nothing in a message that
# tells the sign now or names one of these warning signs with it.
_PATTERN_ORDINARY = frozenset({"occasional-beat"})
_PATTERN_WARNINGS = ("dizzy-faint", "faint", "breathless", "confused", "weak", "heart-attack")
# A cause that explains the sign told just before it and nothing after ("doesn't know what day
# it is, we're on holiday"; but "on holiday and mum is suddenly confused" is a sign).
BACKWARD_ORDINARY = frozenset({"holiday-cause"})
# Ordinary causes told after the sign they explain ("cant lift my arms to wash my hair after
# shoulder day") reach back across their clause, up to this many words, and no further than a
# comma, full stop or "but". Forward they keep ORDINARY_REACH: "after the race and now I
# cannot move them" tells of something new after the cause.
CLAUSE_ORDINARY = frozenset({"exertion-cause", "posture-cause"})
CLAUSE_ORDINARY_REACH = 12
# A posture that presses on a limb also reaches forward through its clause, up to this many
# words ("sat cross-legged through a whole film and when I stood up my left foot was pins
# and needles"): the limb's sign comes when the posture ends. Not past a word that starts the
# present or a sudden change ("..., now", "suddenly my arm").
POSTURE_ORDINARY = frozenset({"posture-cause"})
POSTURE_AFTER_REACH = 16
_POSTURE_STOPS = frozenset({"now", "just", "suddenly", "then"})
# A duration this many words after a taking phrase ("been on omeprazole for years") says how
# long a medicine was taken, so it does not tell an event as past.
TAKING_REACH = 3
# An animal or a thing this many words before a person's state is its subject ("my cat lies
# floppy", "my phone is unresponsive"), unless a person is named in between.
SUBJECT_REACH = 6

# How many words after a reading its recheck may come ("89, retested with warm hands on a
# different finger and it said 98").
RECHECK_REACH = 40

# Blood-pressure words whose stated normal reading, this many words after, says the pressure
# is known and normal ("bp is 110/70").
_BP_CONCEPTS = frozenset({"bp", "blood-pressure"})
NORMAL_READING_REACH = 4

# Phrases after a pulse reading, this many words on, that say it is not settling.
STILL_UP_REACH = 12
_STILL_UP = (
    "wont come down",
    "not coming down",
    "hasnt come down",
    "isnt coming down",
    "wont settle",
    "not settling",
    "hasnt settled",
    "wont slow down",
    "not slowing down",
    "still racing",
    "wont drop",
    "not dropping",
    "isnt dropping",
    "hasnt dropped",
)
# "still 170", "still stuck at 170": a pulse told as lasting, just before its number.
_STILL_BEFORE = frozenset({"still", "stuck"})
# Rhythm words that make a fast pulse in exercise a warning ("190 and irregular").
_UNEVEN = frozenset(
    {"irregular", "erratic", "skipping", "skipped", "skips", "missing", "fluttering", "uneven"}
)
# What makes a slow pulse a warning even in an athlete.
_SLOW_PULSE_SYMPTOMS = ("dizzy-faint", "faint", "weak", "breathless", "chest", "confused")

# Project triage thresholds (not content: they only decide when to show urgent advice).
PILL_COUNT = 5
BIG_DOSE_MG = 2000
# Doses stated in mg, none above this, make a doubled dose an ordinary slip (section 8: "a
# large overdose"); an adult's supplement limit is 350 mg, a dose of it doubled stays far
# from harm for working kidneys (kidney failure is its own red flag).
SMALL_DOSE_MG = 500
SLOW_PULSE = 50
# A pulse under this stays a warning even in an athlete or in sleep.
ORDINARY_SLOW_PULSE = 40
# ... and under this one even in an athlete whose heart a cardiologist or a screening checked.
SCREENED_SLOW_PULSE = 35
FAST_PULSE = 120
LOW_SYSTOLIC = 90
# A reading whose bottom number is under this is low, whatever the top one says ("90/55").
LOW_DIASTOLIC = 60
HIGH_SYSTOLIC = 140
LOW_EGFR = 30
CHILD_YEARS = 12
LOW_SATS = 92
MIN_SATS = 50
MAX_SATS = 100
# An oxygen reading on a recheck this high is normal.
NORMAL_SATS = 95
LOW_GCS = 8
MIN_GCS = 3

_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+|[.!?;:,/()]")
_BREAKS = frozenset(".!?;:,()")
_CLAUSE_WORDS = frozenset({"but", "though", "although", "however", "except"})
_QUESTION_WORDS = frozenset(
    "can could does do did is are was will would should what whats how why when which "
    "who if any anyone".split()
)
_PILL_WORDS = frozenset(
    "pill pills tablet tablets tabs capsule capsules caps gummy gummies gummie "
    "chewables softgels softgel laxatives antacids them those these tablespoons tablespoon "
    "tbsp tbs spoonfuls spoonful capfuls capful sachets scoops doses shots".split()
)
# "six of us" counts people, not tablets.
# Concepts that say who, when or how a message asks, not what is wrong: a learned guess
# needs one of a flag's other concepts before it may fire.
# A pregnancy, or a supplement within a child's reach, is context too: "30 weeks pregnant,
# can I take magnesium?" and "can my 5 year old take gummies?" name no warning sign.
CONTEXT_CONCEPTS = frozenset(
    """accident-intent body-or-person by-mouth child child-age deliberately fiction
    general-question given happening-now intent magnesium-product medicine-in-reach many
    negation not-a-person pregnant present-now puzzle-topic remote-past severe sudden symptom
    weeks-pregnant worry threat not-helping liquid-product fever""".split()
)
_PEOPLE = frozenset({"us", "you", "we", "our"})
# A count of a supplement named by its form ("took 20 magnesium oxide"); not a dose in mg.
_SUPPLEMENT_WORDS = frozenset("magnesium mag mags oxide citrate glycinate".split())
MAX_SUPPLEMENT_COUNT = 100
# "10x her dose", "5 times the recommended amount": a multiple of a dose, not "3 times a day".
MIN_DOSE_MULTIPLE = 3
_TIMES_WORDS = frozenset({"x", "times"})
_DOSE_WORDS = frozenset(
    "dose doses dosage amount recommended limit prescribed usual normal ul rda max maximum".split()
)
_PULSE_WORDS = frozenset(
    "pulse bpm hr heartrate rate beats resting watch fitbit garmin oximeter monitor whoop".split()
)
# A pulse is a number of beats a minute, not of these ("heart rate up for 10 minutes").
_NOT_BEATS = frozenset(
    "minutes minute mins min seconds secs hours hour hrs steps miles km k kcal calories "
    "percent % mg years year yrs days weeks".split()
)
MIN_PULSE, MAX_PULSE = 20, 250
# "took his pulse ... and its 38": a pulse named this many words before its number.
PULSE_TOLD_REACH = 12
_PULSE_TOLD = frozenset({"its", "was", "is", "reads", "read", "showed", "shows", "says", "said"})
_TEMPERATURE_WORDS = frozenset(
    "temp temperature fever degrees degree c f celsius fahrenheit thermometer".split()
)
# Other measures a number after "its" may be ("its 45 kg"), so no pulse.
_OTHER_MEASURES = frozenset("kg kgs kilos kilo lbs lb pounds stone st cm yo weight".split())
# A number right after the label of another measure ("temp 36.6, pulse 70", "bp 119/77",
# "sats 97") is that measure's, even with a pulse word just after it.
_OTHER_LABELS = _TEMPERATURE_WORDS.union(_OTHER_MEASURES).union(
    "sats sat spo spo2 o2 oxygen saturation saturations sao2 bp systolic glucose sugar "
    "sugars bg bmi".split()
)
# A number right after a pulse word ("oxygen sat 97 pulse 65") is the pulse, not oxygen.
_PULSE_LABELS = frozenset("pulse bpm hr heartrate rate beats".split())
# A number just after a word of music ("metronome at 180bpm", "a tempo of 140") is a tempo.
_TEMPO_WORDS = frozenset("metronome tempo song songs track tracks playlist".split())
_REPEATS = re.compile(r"(.)\1+")
# "b.p." and "a.m." are one word: "b.p. is really low" reads as "bp is really low".
_DOTTED = re.compile(r"\b([^\W\d_])\.([^\W\d_])\b\.?")
# "not able to breathe", "wasnt able to stand": an inability, not a denial ("not" would
# otherwise cancel "breathe"), so it reads as "unable".
_NOT_ABLE = re.compile(r"\b(?:not|isnt|arent|wasnt|werent|never|no longer) able\b")
# "an' my hands" (Caribbean and Scots English): "an'" is "and", not the article before a
# clinical "an MI". Read before folding drops the apostrophe.
_AN_APOSTROPHE = re.compile(r"\ban['\u2019\u2018`\u00b4\u02bc](?!\w)", re.IGNORECASE)
# "she'll", "we'll": "will" after a pronoun, read before folding drops the apostrophe (else
# "she'll" reads as "shell", a typo of "swell").
_WILL = re.compile(
    r"\b(i|you|he|she|we|they|it|that|there|who)['\u2019\u2018`\u00b4\u02bc]ll\b", re.IGNORECASE
)
# "2 y/o": years old.
_YEARS_OLD = re.compile(r"\b(\d+)\s*y\s*/\s*o\b")
# A web address ("confused.com", "nhs.uk") is a name, read as one word: no "confused" in it.
_DOMAIN = re.compile(r"\b([^\W\d_]+)\.(com|co\.uk|org|net|uk|io|ie)\b", re.IGNORECASE)
# Real words one or two letters from a term word, so never read as its typo ("confession" is no
# "confusion", "in conclusion" no sign).
_REAL_WORDS = frozenset(
    "confession confessions confessed conclusion conclusions contusion contusions".split()
)
# "32+4": weeks and days of a pregnancy, as maternity notes write it; read as "32/40".
_GESTATION = re.compile(
    r"(?<![\d.+/])\b([1-4]\d)\+([0-6])\b(?![.,]?\d|\s*=|\s*(?:mg|g|ml|tablets?|pills?)\b)"
)
# Words of other Englishes read as the standard word, for triage only: Scots ("cannae",
# "aff"), Caribbean ("cyaan", "mout", "han", "nuh"), West African pidgin ("pikin").
_DIALECT = {
    "cyaan": "cant",
    "kyaan": "cant",
    "caan": "cant",
    "cannae": "cant",
    "canna": "cant",
    "dinnae": "dont",
    "dinna": "dont",
    "didnae": "didnt",
    "doesnae": "doesnt",
    "isnae": "isnt",
    "wasnae": "wasnt",
    "wouldnae": "wouldnt",
    "couldnae": "couldnt",
    "aff": "off",
    "mout": "mouth",
    "han": "hand",
    "nuh": "no",
    "inna": "in",
    "pikin": "child",
    "pickney": "child",
    # Voice-to-text mishearings: "hes not breeding right" is "not breathing right".
    "breeding": "breathing",
    # Text speak typed on a phone ("cnt breathe 2nite pls").
    "cnt": "cant",
    "carnt": "cant",
    "wnt": "wont",
    "dnt": "dont",
    "cudnt": "couldnt",
    "cldnt": "couldnt",
    "2day": "today",
    "2nite": "tonight",
    "2night": "tonight",
    "tonite": "tonight",
    "plz": "please",
    "pls": "please",
    "rly": "really",
    "rlly": "really",
    "srsly": "seriously",
    "chst": "chest",
    "oain": "pain",
    "chset": "chest",
    "brth": "breath",
    "brthe": "breathe",
    # Scots and northern English family words ("the bairn", "me mam").
    "bairn": "child",
    "bairns": "children",
    "mam": "mum",
    "mammy": "mum",
}
# "mi" is "my" in Caribbean English and Spanish ("mi granny", "mi abuela"), except as the
# clinical abbreviation after these words ("an MI", "suspected MI").
_MI_CLINICAL = frozenset("a an suspected query possible acute".split())
# Words that name a person, so a state after them is a person's even after an animal or thing.
_PERSON_WORDS = frozenset(
    "i im ive id me my myself he hes him his himself she shes her herself they theyre them "
    "their we us our you your mum mom dad husband wife partner son daughter baby nan gran "
    "grandma grandpa boyfriend girlfriend bf gf friend brother sister".split()
)
# Words before a year that place an event in it ("in 2015"), so it is history, not now.
_YEAR_WORDS = frozenset({"in", "during", "around", "circa"})
FIRST_PAST_YEAR = 1950
LAST_PAST_YEAR = 2029
# Two digits from this one up are a year of the last century ("in 98" is 1998).
SHORT_YEAR_FROM = 50
# "when i was 14", "back when she was 3": an age someone was, so the event is history.
_AGE_WHEN = frozenset({"when", "since", "till", "until"})
_AGE_SUBJECTS = frozenset({"i", "he", "she", "we", "they", "you"})
_WAS_WORDS = frozenset({"was", "were"})
# Stages of life told with "was" ("when my daughter was a baby", "when he was little").
_STAGES = frozenset(
    "baby babies toddler toddlers infant newborn kid kids child children teenager teen "
    "little small tiny younger student".split()
)
# Units of a duration that tells a long story ("for four years"), and the words that may
# stand between "for" and its number ("for the past 10 years", "for about 4 years").
_LONG_UNITS = frozenset({"years", "yrs", "decades"})
_DURATION_FILLERS = frozenset("the past last over about nearly almost around more than".split())
DURATION_WORDS = 4
_POSSESSIVES = frozenset({"my", "our", "his", "her", "their", "your"})
# "when my little brother was 5": a possessive and at most two more words name who.
AGE_SUBJECT_WORDS = 3
MIN_AGE, MAX_AGE = 1, 110
# "had a stroke at 35": "had" this many words before "at" and an age of at least this.
HAD_AT_REACH = 5
MIN_HAD_AGE = 13
_CLOCK_WORDS = frozenset(
    "am pm oclock : o clock ish mg mgs bpm % percent degrees weeks wks week wk minutes mins "
    "min months month mo mos days day hours hour hrs hr seconds secs".split()
)
# Who states an age now ("im 30 now", "shes 12 now").
_NOW_AGE_SUBJECTS = frozenset({"im", "am", "shes", "hes", "is", "theyre", "were", "youre"})
# A count between one of these and a container is the container's size ("my 60 tablet bottle").
_DETERMINERS = frozenset({"a", "my", "the", "this", "that", "her", "his", "our", "their", "each"})
_CONTAINERS = frozenset(
    {"bottle", "bottles", "tub", "tubs", "jar", "jars", "pack", "packs", "packet", "box", "pot"}
)
# A qualified check ("poison control said she's fine") settles a swallowing told near it, for
# the ingestion flags; for the others only a sign told before the check ("my doctor checked
# my heart and said it's fine"): it says nothing of a chest pain told after it.
CHECKED_FLAGS = frozenset({"child-ingestion", "overdose"})
# The fine-word this many words after the one who checked ("poison control said that's fine").
CHECKED_REACH = 8
# "since" this many words before an earlier time ("since like 20 min ago") makes it a start.
SINCE_REACH = 3
# A visit to care told as past ("went to urgent care with a racing heart") and its normal
# result told just after, in the same sentence or the next ("They did an ECG, all normal"):
# the result this many words after the visit, with at most this many full stops between.
VISIT_REACH = 30
VISIT_SENTENCES = 1
# Signs of too much magnesium (reference section 8: weakness, drowsiness, slow breathing,
# heart trouble, low blood pressure): told with a magnesium laxative or antacid taken day
# after day, they raise the overdose flag too, whose advice is to stop the product.
EXCESS_SIGN_FLAGS = frozenset(
    {
        "paralysis-sudden-weakness",
        "confusion-drowsiness",
        "trouble-breathing",
        "abnormal-heartbeat",
        "low-blood-pressure",
        "unresponsive",
    }
)
# The regular use and the product this many words apart ("taking milk of magnesia 3 times a
# day for two weeks").
REGULAR_USE_REACH = 10
# Words typed without spaces ("myheartisracing"): split into at most this many known words.
MAX_RUN_PARTS = 6
MIN_RUN_LENGTH = 7
# Letters held down ("chesssst", "pleeease"): three or more of one letter in a row.
_STRETCHED = re.compile(r"(.)\1{2,}")
# The only words of one or two letters a run of words may hold ("re" + "checked" is no split
# of "rechecked").
_SHORT_WORDS = frozenset(
    "i a my me im is in it on to of at up so no do go he we us an or be by as am".split()
)
# A CKD stage ("stage 2 kidney disease") is no eGFR: stage 4 and 5 mean an eGFR under 30.
SEVERE_CKD_STAGE = 4
# Words of a large amount: with one, a small intake told elsewhere in the message does not
# stop a learned overdose guess.
_LARGE_AMOUNT = (
    "overdose-word",
    "overdose-strong",
    "pill-count",
    "big-dose",
    "dose-multiple",
    "double-dose",
)
# What a learned guess of these flags needs, one of: the child-ingestion guess something a
# child could be poisoned by ("my 2 year old had a lick of chocolate" names only food); the
# dehydration guess a loss of fluid ("lightheaded when I stand up" alone is no dehydration).
_MODEL_NEEDS = {
    # A product named is no overdose: the guess needs an intake, an amount or a word of harm
    # ("told to use lactulose instead of milk of magnesia" names none).
    "overdose": (
        "ingest",
        "by-mouth",
        "overdose-word",
        "overdose-strong",
        "pill-count",
        "big-dose",
        "many",
        "double-dose",
        "dose-multiple",
        "large-volume",
        "too-much",
        "in-total",
        "unaccounted",
        "given",
        "taking-medicine",
        "ongoing-use",
        "child-harm-q",  # harm words: "can milk of magnesia poison old people?"
    ),
    "child-ingestion": (
        "medicine-in-reach",
        "swallow-magnesium",
        "pill-count",
        "magnesium-product",
        "epsom",
        "liquid-product",
    ),
    "dehydration": ("gut-loss", "cant-keep-down", "gut-illness", "severe-gut", "dehydrated"),
}


# A term's words after the first, as (key, is_prefix).
_Rest = tuple[tuple[str, bool], ...]


class _Token(NamedTuple):
    # A named tuple, not a dataclass: a 4,096-character message makes about 800 of them.
    text: str
    is_break: bool


@dataclass(frozen=True)
class _Term:
    words: tuple[str, ...]
    # The words after the first as (key, is_prefix), looked up in what a message word stands
    # for: a plain term word matches through typos and endings, "=word" only the word itself.
    # Exception phrases use `exact_rest`, where every word must be the word itself.
    rest: tuple[tuple[str, bool], ...]
    exact_rest: tuple[tuple[str, bool], ...]
    # The whole-word keys of `rest` and `exact_rest`: a term whose keys the message lacks
    # cannot match, which rules out most candidates before the word-by-word walk.
    needs: frozenset[str]
    exact_needs: frozenset[str]


@dataclass(frozen=True)
class Match:
    """Where one concept was found: token positions [start, end] and the words themselves."""

    concept: str
    start: int
    end: int
    words: str
    negated: bool


@dataclass(frozen=True)
class Finding:
    """One red flag that fired, with the rule and the words that fired it (for the log)."""

    flag: RedFlag
    rule: tuple[str, ...]
    evidence: tuple[str, ...]

    def explain(self) -> str:
        pairs = ", ".join(f"{c}={w!r}" for c, w in zip(self.rule, self.evidence, strict=True))
        return f"{self.flag.id} [{pairs}]"


@dataclass(frozen=True)
class TriageResult:
    findings: tuple[Finding, ...]
    # A general question about an emergency topic: the advice is worded "if this is
    # happening now". Never lowers recall: the advice is given either way.
    hypothetical: bool
    # The message mentions a symptom, so even a no-answer reply ends with a safety line.
    mentions_symptom: bool
    # What the rules found but the model judged calm (see Triage._softened): no urgent
    # advice, the safety line under whatever answer the message gets, and a log line.
    softened: tuple[Finding, ...] = ()

    @property
    def flags(self) -> tuple[RedFlag, ...]:
        return tuple(finding.flag for finding in self.findings)

    def explain(self) -> str:
        found = "; ".join(finding.explain() for finding in self.findings)
        if self.softened:
            quieted = "; ".join(finding.explain() for finding in self.softened)
            return f"{found}; softened: {quieted}" if found else f"softened: {quieted}"
        return found


class Triage:
    def __init__(
        self,
        red_flags: Sequence[RedFlag],
        concepts: Sequence[Concept],
        stemmer: Stemmer,
        known: Iterable[str] = (),
        model: UrgencyModel | None = None,
    ) -> None:
        """`known` words are spelled right, so they skip the (costlier) typo search; `model`
        is the learned second opinion, asked only when no rule fires."""
        self._flags = tuple(red_flags)
        self._by_id = {flag.id: flag for flag in self._flags}
        self._model = model
        # What a flag's rules look for, less the context every flag shares (who, when, asking).
        self._signals = {
            flag.id: sorted({c for rule in flag.when for c in rule} - CONTEXT_CONCEPTS)
            for flag in self._flags
        }
        # What every rule of a flag needs ("magnesium-product" for kidney failure: dialysis
        # alone is no red flag), so the learned guess needs it too.
        self._shared = {
            flag.id: sorted(set.intersection(*(set(rule) for rule in flag.when)))
            for flag in self._flags
            if flag.when
        }
        self._stemmer = stemmer
        self._terms = {c.id: tuple(_term(t) for t in c.terms) for c in concepts}
        self._signal_words = frozenset(
            c for signals in self._signals.values() for c in signals if c in self._terms
        )
        self._except = {c.id: tuple(_term(t) for t in c.except_in) for c in concepts}
        self._person_state = frozenset(c.id for c in concepts if c.person_state)
        vocabulary = {
            word
            for terms in (*self._terms.values(), *self._except.values())
            for term in terms
            for word in term.words
            if not word.endswith("*") and not word.startswith("=")
        }
        self._vocabulary = sorted(vocabulary)
        self._term_words = frozenset(vocabulary)
        # No typo is more than two letters longer than the word it stands for.
        self._longest = max(map(len, vocabulary), default=0) + 2
        self._by_first: dict[str, list[tuple[str, _Term, bool]]] = {}
        # "word*" terms by their whole prefix: a message word looks up each of its own
        # beginnings whose length some prefix has (a dozen lookups, not every prefix).
        self._prefixed: dict[str, list[tuple[str, _Term, bool]]] = {}
        for concept in concepts:
            for terms, exception in (
                (self._terms[concept.id], False),
                (self._except[concept.id], True),
            ):
                for term in terms:
                    self._index(concept.id, term, exception=exception)
        self._prefix_lengths = sorted({len(prefix) for prefix in self._prefixed})
        self._known = frozenset(known) | frozenset(vocabulary) | _REAL_WORDS
        by_stem: dict[str, set[str]] = {}
        for word in self._vocabulary:
            by_stem.setdefault(stemmer.stemWord(word), set()).add(word)
        self._by_stem = {stem: frozenset(found) for stem, found in by_stem.items()}
        # A typo keeps its first letter and its length within the edits allowed (_is_typo,
        # and an edit distance is at least the difference in length), so each unknown word
        # is compared with those words only: 7-70 of them, not all 3,823 (0.01 ms a word, not
        # 0.55 ms; unknown words were most of the slowest answers).
        self._typo_targets: dict[tuple[str, int], list[str]] = {}
        for word in self._vocabulary:
            if len(word) >= 4:
                self._typo_targets.setdefault((word[0], len(word)), []).append(word)

    def _index(self, concept: str, term: _Term, *, exception: bool) -> None:
        first = term.words[0]
        entry = (concept, term, exception)
        if first.endswith("*"):
            self._prefixed.setdefault(first[:-1], []).append(entry)
        elif exception or first.startswith("="):
            # Exceptions and "=word" terms start only on the exact word.
            self._by_first.setdefault("=" + first.removeprefix("="), []).append(entry)
        else:
            self._by_first.setdefault(first, []).append(entry)

    def check(self, text: str) -> TriageResult:
        tokens = _tokens(text)
        same = self._word_matches([t.text for t in tokens])
        tokens = _corrections_applied(self._respaced(tokens, same))
        words = [t.text for t in tokens]
        same |= self._word_matches([word for word in words if word not in same])
        found, excepted = self._scan(tokens, same)
        # "never mind my chest is hurting" denies nothing: an excepted negation is none.
        # One that opens a sign's own words denies only within them: "no dark pee" denies
        # the colour, but "hasnt peed since yesterday" no time, "cant breathe, chest hurts"
        # no pain. Each negation maps to the last word it can deny.
        sign_ends: dict[int, int] = {}
        for concept in self._signal_words:
            for start, end in found.get(concept, ()):
                sign_ends[start] = min(end, sign_ends.get(start, end))
        # "ate 2 not 20 gummies" denies the number, not the gummies: a "not" just before a
        # number denies only that number (dropped from the numbers below).
        negations = {
            end: sign_ends.get(start, len(tokens))
            for start, end in found.get("negation", ())
            if not any(s <= end and start <= e for s, e in excepted.get("negation", ()))
            and not _denies_a_number(tokens, end)
        }
        numbers = _numbers(tokens)
        cache: dict[str, list[Match]] = {}
        values = dict(numbers)

        def numeric_value(match: Match) -> float:
            return values.get(match.start, 0.0)

        def matches(concept: str) -> list[Match]:
            if concept not in cache:
                found_here = self._matches(concept, tokens, found, excepted, negations, numbers)
                if concept in self._person_state:
                    things = [m for m in matches("not-a-person") if not m.negated]
                    subjects = [m.end for m in things]
                    described = frozenset(m.start for m in things)
                    found_here = [
                        _about_a_thing(m, tokens, subjects, described) for m in found_here
                    ]
                if concept in _BP_CONCEPTS:
                    found_here = [_unless_normal(m, tokens, numbers) for m in found_here]
                if concept == "slow-pulse" and found_here and self._athletic(matches):
                    # "39 asleep, pro triathlete, full cardiac screen": a checked heart's own
                    floor = ORDINARY_SLOW_PULSE
                    if _present(matches("heart-screen")):
                        floor = SCREENED_SLOW_PULSE
                    found_here = [m for m in found_here if numeric_value(m) < floor]
                if concept == "low-bp-reading" and found_here and self._usual_low(matches):
                    found_here = [m for m in found_here if numeric_value(m) < ORDINARY_LOW_SYSTOLIC]
                if concept == "fast-pulse" and found_here and self._exercising(matches):
                    found_here = []
                if concept == "rhythm-problem" and found_here and self._hard_effort(matches):
                    # "heart pounding up the hill": a strong, even beat in hard effort
                    found_here = [m for m in found_here if _UNEVEN.intersection(m.words.split())]
                if concept == "stroke" and found_here and _present(matches("swim-context")):
                    # "should I change my stroke?" in the pool: the movement, not "a stroke"
                    found_here = [m for m in found_here if not _bare_stroke(m, tokens)]
                if concept == "double-dose" and _small_stated_dose(tokens, numbers):
                    found_here = []
                if concept == "retraction":
                    found_here = [*found_here, *_spoken_retractions(tokens)]
                if concept in _READINGS and found_here:
                    found_here = self._readings_kept(found_here, tokens, numbers, matches)
                if concept not in _UNRETRACTED and found_here:
                    found_here = _retracted(found_here, matches("retraction"), tokens)
                if concept == "cant-move" and found_here and self._tired_limbs(matches):
                    # "legs like lead" at the end of a night shift: tired, not paralysed
                    heavy = [m for m in matches("heavy-limbs") if not m.negated]
                    found_here = [m for m in found_here if not _overlaps_any(m, heavy)]
                cache[concept] = found_here
            return cache[concept]

        # Where the message tells of the past ("years ago", "in 2015"): an acute event told
        # near one is history, unless the message also says it is happening now.
        past: list[tuple[int, int]] = []
        # A sign said to go on ("racing and wont stop") is now, even beside a past phrase in
        # another clause ("..., doctor said its fine last year"): history stops at its clause.
        ongoing = [
            m.start
            for concept in ("not-settling", "ongoing-now")
            for m in matches(concept)
            if not m.negated
        ]
        if not _present(matches("happening-now")):
            # "ive been on omeprazole for years" tells how long a medicine was taken, not
            # when the event happened: a cue just after a taking phrase is not history.
            taking = [m.end for m in matches("taking-medicine") if not m.negated]

            def after_taking(start: int) -> bool:
                return any(0 <= start - end <= TAKING_REACH for end in taking)

            cues = [
                (m.start, m.end)
                for m in matches("remote-past")
                if not m.negated
                and not after_taking(m.start)
                and not _denied_before(tokens, m.start)
            ]
            cues += [(p, p) for p in _past_years(tokens, numbers)]
            cues += [(p, p) for p in _past_ages(tokens, numbers)]
            cues += [(p, p) for p in _past_stages(tokens)]
            cues += [
                (start, end)
                for start, end in _past_durations(tokens, numbers)
                if not after_taking(start)
            ]
            cues += [(p, p) for p in _past_at_ages(tokens, numbers)]
            cues += [(p, p) for p in _had_at_ages(tokens, numbers)]
            past = _history_windows(tokens, cues, ongoing)
            # "it stopped after a minute": over, but only what was told before it.
            past += [
                (first, m.end)
                for m in matches("resolved")
                if not m.negated and not _denied_before(tokens, m.start)
                for first, _ in _history_windows(tokens, [(m.start, m.end)], ongoing)
            ]
        # An event whose harmless cause was found since ("slurred last night after wine, sober
        # now and fine", "turned out to be reflux") is over even when the message dates it
        # today, but not when it goes on to say it is back or ask for help now. What it turned
        # out to be is named just after the cue ("turned out to be just a faint"), in its clause.
        now_said = [m for m in matches("happening-now") if not m.negated]
        worse = [m.start for m in matches("worsening") if not m.negated]
        later_now = [*(m.start for m in now_said), *worse]
        past += [
            (first, min(m.end + EXPLANATION_WORDS, _clause_of(tokens, m.end)[1]))
            for m in matches("explained")
            if not m.negated
            and not _denied_before(tokens, m.start)
            and not any(p > m.end for p in later_now)
            for first, _ in _history_windows(tokens, [(m.start, m.end)], ongoing)
        ]
        stories = [(m.start, m.end) for m in matches("fiction") if not m.negated]
        fiction = _list_windows(
            tokens, _without_own_people(tokens, _clause_windows(tokens, stories), stories)
        )
        # A news story or a clinician's caseload ("on the news a man collapsed", "we see a
        # lot of patients collapse") tells of other people's events, not one now; never for
        # the flags that always alarm.
        reported = _clause_windows(
            tokens, [(m.start, m.end) for m in matches("others-report") if not m.negated]
        )
        # Someone qualified checked and said all is well: an ingestion anywhere near it is
        # settled; any other sign told before it is too, unless the message goes on to say
        # it got worse or came back ("... said it's fine, but now it's worse"). An earlier time
        # before the check dates what it settled ("a headache this morning, so I rang
        # maternity triage, all fine"); any word of now after it, or a present one before it
        # ("chest pain right now, the GP said last week it was fine"), tells of something now.
        # "since 20 min ago" is a sign that goes on, not an earlier time.
        earlier = [
            m
            for m in matches("earlier-time")
            if not m.negated
            and "since" not in {t.text for t in tokens[max(0, m.start - SINCE_REACH) : m.start]}
        ]
        now = [(m.start, not _overlaps_any(m, earlier)) for m in now_said]
        # A result may follow its test after a comma ("an ECG, all normal"), not after a full
        # stop; a bare "fine" or "ok" may not (", ok so now ...").
        verdicts = [(m, False) for m in matches("said-fine") if not m.negated]
        verdicts += [(m, True) for m in matches("results-normal") if not m.negated]
        visits = [m for m in matches("care-visit") if not m.negated]
        checks = [
            (by.start, said.end)
            for by in (*matches("checked-by"), *visits)
            if not by.negated
            for said, past_commas in verdicts
            if 0 < said.start - by.end <= CHECKED_REACH
            and not any(
                t.text in _SENTENCE_ENDS if past_commas else t.is_break
                for t in tokens[by.end : said.start]
            )
        ]
        checks = _verdicts_chained(tokens, checks, [m for m, _ in verdicts])
        checks += _visits_settled(tokens, visits, checks, [m for m, _ in verdicts])
        checks = [
            (start, end)
            for start, end in checks
            if not any(p > end or (present and p < start) for p, present in now)
        ]
        checked = _history_windows(tokens, checks, ongoing)
        checked_before = [
            (first, end)
            for (first, _), (_, end) in zip(checked, checks, strict=True)
            if not any(w > end for w in worse)
        ]
        persisting = _present(matches("not-settling"))
        findings: list[Finding] = []
        quiet: dict[str, list[tuple[int, int]]] = {}  # per flag: history, fiction, ordinary
        for flag in self._flags:
            history = [
                *(past if flag.acute else []),
                *fiction,
                *(reported if flag.id not in ALWAYS_ALARM else []),
                *(checked if flag.id in CHECKED_FLAGS else []),
            ]
            # What a check settled it settles whole: "went to the GP with a swollen calf, they
            # said it was fine, but it's red and hot" is a new sign with the calf told before.
            settled = checked_before if flag.acute else []
            # An ordinary cause does not excuse a sign the message says is not settling
            # ("gasping for air after my run and it's not settling after 30 min").
            collapsed = any(f.flag.id == _NO_ORDINARY_WITH.get(flag.id) for f in findings)
            ordinary = [
                reach
                for concept in flag.ordinary_near
                for m in matches(concept)
                if not m.negated
                and not persisting
                and not collapsed
                and not self._pattern_now(m, matches)
                and (reach := self._ordinary_reach(tokens, m, matches)) is not None
            ]
            quiet[flag.id] = [*history, *settled, *ordinary]
            for rule in flag.when:
                options: list[list[Match]] = []
                for concept in rule:  # stop at the first concept the message lacks
                    if not (found_here := matches(concept)):
                        break
                    options.append(found_here)
                else:
                    evidence = _satisfied(rule, options, flag.within, history, ordinary, settled)
                    if evidence is None:
                        continue
                    findings.append(Finding(flag, rule, evidence))
                    break
        findings += self._regular_use_excess(findings, matches, quiet.get("overdose", []))
        if findings and self._model is not None:
            softened = self._softened(text, findings, words, matches)
            if softened:
                return TriageResult(
                    findings=(), hypothetical=False, mentions_symptom=True, softened=softened
                )
        # The model needs one of a flag's signals; most questions hold none, and then it is
        # not asked at all (numeric signals come from numbers, not words).
        maybe_signal = bool(numbers) or not self._signal_words.isdisjoint(found)
        if not findings and self._model is not None and maybe_signal:
            findings.extend(
                self._second_opinion(text, tokens, numbers, matches, quiet, checked=bool(checked))
            )
        return TriageResult(
            findings=tuple(findings),
            hypothetical=bool(findings) and self._general_question(text, words, matches),
            mentions_symptom=bool(findings) or _present(matches("symptom")),
        )

    def _second_opinion(
        self,
        text: str,
        tokens: Sequence[_Token],
        numbers: Sequence[tuple[int, float]],
        matches: Callable[[str], list[Match]],
        quiet: dict[str, list[tuple[int, int]]],
        *,
        checked: bool = False,
    ) -> list[Finding]:
        """The model's red flag, if it is confident and the message says at least one thing
        the flag's rules look for: the model completes a rule half-matched in words no rule
        has, but never fires on phrasing alone ("i want to move more" is not a crisis). The
        thing said must count as a rule's would: not told as past, in a story, or next to
        its ordinary cause, and the message names none of the flag's ordinary causes at all.
        What every rule of the flag needs must be there too, and a message that says all is
        well ("i feel fine", "a normal colour") gets no guess."""
        assert self._model is not None
        if _present(matches("reassured")):
            return []  # "my urine is a normal colour", "i feel fine": no learned alarm
        if _present(matches("content-question")):
            return []  # "how much magnesium is in a spoon of milk of magnesia?"
        prediction = self._model.predict(text)
        if prediction is None or prediction.category not in self._by_id:
            return []
        flag = self._by_id[prediction.category]
        if checked and flag.id in CHECKED_FLAGS:
            return []  # "poison control said she's fine": no learned ingestion guess
        if flag.id == "overdose" and _small_stated_dose(tokens, numbers):
            return []  # "took my 150 mg tablet twice": no large overdose
        if flag.id == "overdose" and self._small_intake(matches):
            return []  # "only took one", "half the dose", "calcium instead of magnesium"
        if flag.id == "abnormal-heartbeat" and self._athletic(matches):
            return []  # "resting heart rate 46 since I started training"
        if flag.id == "low-blood-pressure" and any(
            _normal_reading(tokens, p, v) for p, v in numbers
        ):
            return []  # "my bp is normal, 122 over 78": a known pressure, and not a low one
        if flag.id == "abnormal-heartbeat" and self._exercising(matches):
            return []  # "180 on my run, back to 90 in minutes": a pulse the rules call ordinary
        needs = _MODEL_NEEDS.get(flag.id)
        # A sign the message asks about as a cause ("can being dehydrated cause cramps?", "are
        # dizzy spells a sign of dehydration?") is neither a cue nor a need met.
        asked = [(m.start, m.end) for m in matches("cause-question")]
        # What the guess needs must count as a rule's would: a product named only in a
        # story told as past ("his friend licked some epsom salt once") is no need met.
        if needs is not None and not any(
            _present(_outside(matches(concept), [*quiet[flag.id], *asked])) for concept in needs
        ):
            return []  # a child who ate food, dizziness on standing: nothing to guess at
        if not all(_present(matches(concept)) for concept in self._shared.get(flag.id, ())):
            return []
        if not _present(matches("not-settling")) and any(
            _present(matches(concept)) for concept in flag.ordinary_near
        ):
            return []  # a guess yields to an ordinary cause anywhere ("my eyelid keeps ...")
        # A sign next to a denied one is denied with it: in "dont have any chest pain" the
        # "pain" is out of the negation's reach, but "chest" is not; in "my heart is not
        # racing" the sign comes just before the negation of its partner. A sign the message asks
        # about as a cause ("can being dehydrated cause cramps?") is no cue either.
        denied = [
            (m.start - NEGATION_REACH - 1, m.end + 1)
            for concept in self._signals[flag.id]
            for m in matches(concept)
            if m.negated
        ]
        # A guess completes a rule the words half match, so none when the message denies a
        # sign that goes with its cue: "sore after the gym, no dark pee" rules it out.
        ruled_out = {
            concept
            for concept in self._signals[flag.id]
            if (found := matches(concept)) and all(m.negated for m in found)
        }
        cue = next(
            (
                match
                for concept in self._signals[flag.id]
                if not any(concept in rule and not ruled_out.isdisjoint(rule) for rule in flag.when)
                for match in _outside(matches(concept), [*quiet[flag.id], *denied, *asked])
                if not match.negated
            ),
            None,
        )
        if cue is None:
            return []
        evidence = (f"p={prediction.probability:.2f}", cue.words)
        return [Finding(flag, ("model", cue.concept), evidence)]

    def _softened(
        self,
        text: str,
        findings: Sequence[Finding],
        words: Sequence[str],
        matches: Callable[[str], list[Match]],
    ) -> tuple[Finding, ...]:
        """The rules' findings, when the model is sure the message is calm and nothing stops
        it from saying so; else nothing. The reply then ends with the one-line safety note
        instead of leading with urgent advice.

        Measured on messages neither the rules nor the model had seen (the tuning parts of
        22 writers, each scored by the code and model of the commit before its round): with
        the calm threshold at 0.7 this takes the calm messages flagged from 259 to 139 of
        5,838, quiets none of 985 emergencies and 2 of 242 general questions (as at 0.9).
        Held out it quiets 2 of 2,642 emergencies (see content/triage_training.py). The
        guards are why the cost is that low: flags where silence is worst are never
        quieted, long messages (where an emergency hides among calm context, and n-grams
        dilute) keep the alarm, general questions keep their conditional advice, and neither
        a sign worded in words the model never saw nor a number past a red-flag threshold is
        quieted."""
        assert self._model is not None
        if any(finding.flag.id in ALWAYS_ALARM for finding in findings):
            return ()
        # An intake said outright to be too much ("took way more magnesium than I should
        # have") is no wording to weigh: the model learned "took" and "magnesium" from
        # everyday doses. Figures of speech ("an overdose of cheese") stay the model's call.
        if any(_told_intake(finding) for finding in findings):
            return ()
        if len(text.split()) > SOFTEN_MAX_WORDS or self._general_question(text, words, matches):
            return ()
        # Someone asking for help now ("help", "what do I do", "ambulance") keeps the alarm:
        # to n-grams "help foot and locked" is mostly words of calm messages.
        if _present(matches("plea")):
            return ()
        # A sign the model never saw in training ("help torsades") is one it cannot judge,
        # and a reading it cannot weigh: to n-grams "sats 88" is words, not a number below 90.
        if not all(self._model.knows(said) for finding in findings for said in finding.evidence):
            return ()
        if any(concept not in self._terms for finding in findings for concept in finding.rule):
            return ()
        calm = self._model.calm_probability(text)
        return tuple(findings) if calm > self._model.calm_threshold else ()

    def _regular_use_excess(
        self,
        findings: Sequence[Finding],
        matches: Callable[[str], list[Match]],
        quiet: Sequence[tuple[int, int]],
    ) -> list[Finding]:
        """The overdose flag, when a sign of too much magnesium fired and the message tells of
        a magnesium laxative or antacid taken day after day ("dad has been taking milk of
        magnesia 3 times a day for two weeks and now he's very weak"): magnesium builds up,
        and the overdose advice (stop the product, poison control) is the one that helps.
        Nothing when the overdose flag fired already or the use is told as past or ordinary."""
        overdose = self._by_id.get("overdose")
        if overdose is None or any(f.flag.id == "overdose" for f in findings):
            return []
        signs = [f for f in findings if f.flag.id in EXCESS_SIGN_FLAGS]
        if not signs:
            return []

        uses = [m for m in _outside(matches("ongoing-use"), quiet) if not m.negated]
        products = [m for m in _outside(matches("magnesium-laxative"), quiet) if not m.negated]
        pair = next(
            (
                (use, product)
                for use in uses
                for product in products
                if abs(use.start - product.start) <= REGULAR_USE_REACH
            ),
            None,
        )
        if pair is None:
            return []
        use, product = pair
        rule = ("ongoing-use", "magnesium-laxative", signs[0].flag.id)
        return [Finding(overdose, rule, (use.words, product.words, signs[0].evidence[0]))]

    def _ordinary_reach(
        self, tokens: Sequence[_Token], match: Match, matches: Callable[[str], list[Match]]
    ) -> tuple[int, int] | None:
        """The words an ordinary cause excuses: nothing when the message tells one of its
        `_ORDINARY_UNLESS` stoppers; for a cause of `_ANYWHERE_UNLESS`, the whole message when
        it tells none of its stoppers and nothing when it does; else its span."""
        if any(_present(matches(c)) for c in _ORDINARY_UNLESS.get(match.concept, ())):
            return None
        stoppers = _ANYWHERE_UNLESS.get(match.concept)
        if stoppers is None:
            return _ordinary_span(tokens, match)
        if any(_present(matches(concept)) for concept in stoppers):
            return None
        return 0, len(tokens) - 1

    def _readings_kept(
        self,
        found: Sequence[Match],
        tokens: Sequence[_Token],
        numbers: Sequence[tuple[int, float]],
        matches: Callable[[str], list[Match]],
    ) -> list[Match]:
        """The readings the message stands by: not one it says is no reading ("70/40 is our
        ages, not a blood pressure"), nor a low pressure it blames on the device ("the 80/50
        was the cheap wrist one being rubbish") when it gives a normal one too and names no
        symptom. Either is told after the number, in its sentence."""
        denials = [m.start for m in matches("not-a-reading")]
        faults = [m.start for m in matches("device-fault") if not m.negated]
        normal = any(_normal_reading(tokens, p, v) for p, v in numbers)
        unwell = any(_present(matches(c)) for c in _SLOW_PULSE_SYMPTOMS)
        if not normal or unwell:
            faults = []

        def excused(match: Match) -> bool:
            blamed = faults if match.concept in _BP_READINGS else []
            return any(_later_in_sentence(tokens, match.end, p) for p in (*denials, *blamed))

        return [m for m in found if not excused(m)]

    def _pattern_now(self, match: Match, matches: Callable[[str], list[Match]]) -> bool:
        """Does a pattern cause ("a flutter maybe once a week") meet a message that tells the
        sign now or names a warning symptom with it? Then it excuses nothing."""
        if match.concept not in _PATTERN_ORDINARY:
            return False
        return any(_present(matches(c)) for c in ("happening-now", *_PATTERN_WARNINGS))

    def _small_intake(self, matches: Callable[[str], list[Match]]) -> bool:
        """Does the message tell a single dose, a smaller one or a mix-up of two supplements,
        and no large amount anywhere ("I only took one but he took the rest of the bottle")?"""
        if not _present(matches("small-intake")):
            return False
        return not any(_present(matches(concept)) for concept in _LARGE_AMOUNT)

    def _tired_limbs(self, matches: Callable[[str], list[Match]]) -> bool:
        """Does the message name hard work or exercise anywhere ("on nights stacking
        shelves", "a long day at the crag") and not say a sign is not settling? Then limbs
        heavy as lead or concrete are tired muscles; an inability ("can't stand") still counts."""
        if _present(matches("not-settling")) or _present(matches("faint")):
            return False
        return _present(matches("exertion-cause")) or _present(matches("exertion-setting"))

    def _athletic(self, matches: Callable[[str], list[Match]]) -> bool:
        """A slow pulse in a trained athlete, in sleep, or one a doctor has checked, is
        ordinary when the message names no symptom with it ("44 at night, I'm a cyclist")."""
        if not _present(matches("ordinary-slow-pulse")):
            return False
        return not any(_present(matches(concept)) for concept in _SLOW_PULSE_SYMPTOMS)

    def _usual_low(self, matches: Callable[[str], list[Match]]) -> bool:
        """A top number in the 80s is ordinary for a trained athlete or someone whose
        pressure always runs that low, when the message names no symptom with it ("88/58,
        I'm a marathoner and it's always like that")."""
        if not _present(matches("ordinary-low-bp")):
            return False
        return not any(_present(matches(concept)) for concept in _SLOW_PULSE_SYMPTOMS)

    def _exercising(self, matches: Callable[[str], list[Match]]) -> bool:
        """A fast pulse read during hard exercise ("190 at the end of my sprint") is ordinary
        when the message names no symptom with it and does not say it is not settling."""
        if not _present(matches("exercise-peak")) or _present(matches("not-settling")):
            return False
        symptoms = (*_SLOW_PULSE_SYMPTOMS, "heart-condition-word")
        uneven = any(
            _UNEVEN.intersection(m.words.split())
            for m in matches("rhythm-problem")
            if not m.negated
        )
        return not uneven and not any(_present(matches(concept)) for concept in symptoms)

    def _hard_effort(self, matches: Callable[[str], list[Match]]) -> bool:
        """A heart felt beating hard in hard exercise ("pounding up the hill") is ordinary
        when the message names no symptom with it and does not say it is not settling; an
        uneven beat is still a sign (checked by the caller, word by word)."""
        if not _present(matches("exercise-peak")) or matches("not-settling"):
            return False
        symptoms = (*_SLOW_PULSE_SYMPTOMS, "heart-condition-word")
        return not any(_present(matches(concept)) for concept in symptoms)

    def _respaced(self, tokens: Sequence[_Token], same: dict[str, frozenset[str]]) -> list[_Token]:
        """Words typed in a hurry: letters held down ("chesssst") read as the word, and words
        run together ("myheartisracing") split into known words, when the word is not one
        triage or the library knows and no term word matches it through a typo."""
        respaced: list[_Token] = []
        for token in tokens:
            word = token.text
            if token.is_break or word in self._known or same.get(word) or word.isdigit():
                respaced.append(token)
                continue
            held = _held_letters(word, self._known)
            if held is not None:
                respaced.append(_Token(held, False))
                continue
            parts = _split_run(word, self._known) if len(word) >= MIN_RUN_LENGTH else None
            if parts is None or not self._signal_words_in(parts, same):
                respaced.append(token)
                continue
            respaced += [_Token(part, False) for part in parts]
        return respaced

    def _signal_words_in(self, parts: Sequence[str], same: dict[str, frozenset[str]]) -> bool:
        """Does a split name at least one word of a term (else it changes nothing)?"""
        return any(part in self._term_words or same.get(part) for part in parts)

    def _general_question(
        self, text: str, words: Sequence[str], matches: Callable[[str], list[Match]]
    ) -> bool:
        """A question about a topic, not a report of something happening to someone now."""
        asks = "?" in text or (bool(words) and words[0] in _QUESTION_WORDS)
        return (
            asks and _present(matches("general-question")) and not _present(matches("present-now"))
        )

    # --- finding concepts ----------------------------------------------------------------

    def _scan(
        self, tokens: Sequence[_Token], same: dict[str, frozenset[str]]
    ) -> tuple[dict[str, set[tuple[int, int]]], dict[str, list[tuple[int, int]]]]:
        """Every term and exception phrase found, in one pass over the message.

        Terms are indexed by their first word, so each message word only tries the terms
        that can start there: the cost grows with the message, not with the term list.
        """
        found: dict[str, set[tuple[int, int]]] = {}
        excepted: dict[str, list[tuple[int, int]]] = {}
        # What each message word stands for: the term words it matches, and "=word" itself.
        stands = [
            frozenset() if t.is_break else same.get(t.text, frozenset()) | {"=" + t.text}
            for t in tokens
        ]
        present = frozenset().union(*stands)
        # A word that comes back (long messages repeat themselves) tries the same terms.
        tried: dict[tuple[frozenset[str], str], list[tuple[str, _Rest, bool]]] = {}
        for start, token in enumerate(tokens):
            if token.is_break:
                continue
            text = token.text
            candidates = tried.get((stands[start], text))
            if candidates is None:
                # The message's words are known up front, so a term needing a word it lacks
                # is dropped once per distinct word, not at every occurrence.
                candidates = tried[stands[start], text] = [
                    (concept, term.exact_rest if exception else term.rest, exception)
                    for concept, term, exception in self._candidates(stands[start], text)
                    if (term.exact_needs if exception else term.needs) <= present
                ]
            for concept, rest, exception in candidates:
                end = _rest_from(start + 1, rest, tokens, stands, exception)
                if end is None:
                    continue
                if exception:
                    excepted.setdefault(concept, []).append((start, end))
                else:
                    found.setdefault(concept, set()).add((start, end))
        return found, excepted

    def _candidates(self, stands: frozenset[str], text: str) -> list[tuple[str, _Term, bool]]:
        """The terms (and exception phrases) that could start at a word."""
        candidates = [entry for key in stands for entry in self._by_first.get(key, ())]
        candidates += [
            entry
            for length in self._prefix_lengths
            if length <= len(text)
            for entry in self._prefixed.get(text[:length], ())
        ]
        return candidates

    def _matches(
        self,
        concept: str,
        tokens: Sequence[_Token],
        found: dict[str, set[tuple[int, int]]],
        excepted: dict[str, list[tuple[int, int]]],
        negations: Mapping[int, int],
        numbers: Sequence[tuple[int, float]],
    ) -> list[Match]:
        if concept not in self._terms:
            return list(itertools.islice(_numeric(concept, tokens, numbers), MAX_MATCHES))
        if concept not in found:
            return []
        exceptions = excepted.get(concept, ())
        kept = [
            (start, end)
            for start, end in sorted(found.get(concept, ()))
            if not any(s <= end and start <= e for s, e in exceptions)
        ]
        return [
            Match(
                concept,
                start,
                end,
                " ".join(t.text for t in tokens[start : end + 1]),
                concept != "negation" and _negated(tokens, start, negations),
            )
            for start, end in kept[:MAX_MATCHES]
        ]

    def _word_matches(self, words: Sequence[str]) -> dict[str, frozenset[str]]:
        """For each distinct message word, the term words it stands for."""
        matches: dict[str, frozenset[str]] = {}
        for word in set(words):
            found = set(self._by_stem.get(self._stemmer.stemWord(word), ()))
            if 4 <= len(word) <= self._longest and word not in self._known and not word.isdigit():
                cutoff = 2 if len(word) >= 8 else 1
                targets = [
                    target
                    for length in range(len(word) - cutoff, len(word) + cutoff + 1)
                    for target in self._typo_targets.get((word[0], length), ())
                ]
                near = process.extract(
                    word, targets, scorer=OSA.distance, score_cutoff=cutoff, limit=None
                )
                found |= {p for p, distance, _ in near if _is_typo(word, p, distance)}
            matches[word] = frozenset(found)
        return matches


def _rest_from(
    position: int,
    rest: tuple[tuple[str, bool], ...],
    tokens: Sequence[_Token],
    stands: Sequence[frozenset[str]],
    exact: bool,
) -> int | None:
    """Where the rest of a term ends if it continues at `position`, or None.

    Exception phrases (`exact`) are contiguous; terms allow a filler word between words.
    """
    if not rest:
        return position - 1
    key, is_prefix = rest[0]
    gap = 0 if exact else TERM_GAP
    if not exact and _hedge_at(tokens, position):
        gap = 2  # "kind of" is one filler
    for p in range(position, min(len(tokens), position + gap + 1)):
        token = tokens[p]
        if token.is_break:
            return None
        if token.text.startswith(key) if is_prefix else key in stands[p]:
            end = _rest_from(p + 1, rest[1:], tokens, stands, exact)
            if end is not None:
                return end
        if token.text in _DENYING_FILLERS:
            return None  # "it wont settle" is not "it settled"
    return None


def _hedge_at(tokens: Sequence[_Token], position: int) -> bool:
    """Does a two-word hedge ("kind of") start at `position`? The first word is tested
    alone first: this runs for every word a term may continue at."""
    if position + 1 >= len(tokens) or tokens[position].text not in _HEDGE_STARTS:
        return False
    first, second = tokens[position], tokens[position + 1]
    return (first.text, second.text) in _HEDGES and not (first.is_break or second.is_break)


def _term(text: str) -> _Term:
    """A term's words; "=word" must match exactly, "word*" matches as a prefix."""
    words: list[str] = []
    for chunk in text.split():
        exact, prefix = chunk.startswith("="), chunk.endswith("*")
        found = [t.text for t in _tokens(chunk.strip("=*"), dialect=False) if not t.is_break]
        if found and exact:
            found[0] = "=" + found[0]
        if found and prefix:
            found[-1] += "*"
        words += found
    rest = tuple((w[:-1], True) if w.endswith("*") else (w, False) for w in words[1:])
    exact_rest = tuple(
        (w[:-1], True) if w.endswith("*") else ("=" + w.removeprefix("="), False) for w in words[1:]
    )
    return _Term(
        tuple(words),
        rest,
        exact_rest,
        frozenset(key for key, prefix in rest if not prefix),
        frozenset(key for key, prefix in exact_rest if not prefix),
    )


def _tokens(text: str, *, dialect: bool = True) -> list[_Token]:
    """A message's words and breaks; `dialect` reads other Englishes' words (not for terms,
    which are written in standard words already: "an mi" stays clinical)."""
    text = _WILL.sub(r"\1 will", _AN_APOSTROPHE.sub("and", _GESTATION.sub(r"\1/40", text)))
    text = _DOMAIN.sub(lambda m: m.group(1) + m.group(2).replace(".", ""), text)
    folded = _NOT_ABLE.sub("unable", _DOTTED.sub(r"\1\2", fold(text)))
    folded = _YEARS_OLD.sub(r"\1 yo", folded)
    found: list[_Token] = []
    for match in _TOKEN.finditer(folded):
        word = match.group(0)
        if word in _CLAUSE_WORDS:
            found.append(_Token(word, True))
            continue
        if dialect:
            word = _DIALECT.get(word, word)
            if word == "mi" and not (found and found[-1].text in _MI_CLINICAL):
                word = "my"
        found.append(_Token(RESPELLINGS.get(word, word), word in _BREAKS))
        if len(found) >= MAX_TRIAGE_WORDS:
            break
    return found


def _held_letters(word: str, known: frozenset[str]) -> str | None:
    """ "chesssst" -> "chest", "pleeease" -> "please": a letter held down, read as the known
    word with the run cut to two letters or to one (None when neither is a word)."""
    if not _STRETCHED.search(word):
        return None
    for keep in (r"\1\1", r"\1"):
        shorter = _STRETCHED.sub(keep, word)
        if shorter in known:
            return shorter
    return None


def _split_run(word: str, known: frozenset[str]) -> list[str] | None:
    """The fewest known words that spell `word` ("cantcatchmybreath" -> cant catch my
    breath), or None."""
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 20), end):
            before = best[start]
            piece = word[start:end]
            if before is None or len(before) >= MAX_RUN_PARTS:
                continue
            if piece not in known or (len(piece) <= 2 and piece not in _SHORT_WORDS):
                continue
            current = best[end]
            if current is None or len(before) + 1 < len(current):
                best[end] = [*before, piece]
    found = best[len(word)]
    return found if found is not None and len(found) > 1 else None


def _negated(tokens: Sequence[_Token], start: int, negations: Mapping[int, int]) -> bool:
    listed = False  # an "or" / "nor" between: the concept is one item of a denied list
    for p in range(start - 1, max(-1, start - 1 - LIST_NEGATION_REACH), -1):
        if tokens[p].is_break:
            return False
        if p in negations and start <= negations[p] and (start - p <= NEGATION_REACH or listed):
            return True
        listed = listed or tokens[p].text in _LIST_WORDS
    return False


def _denied_before(tokens: Sequence[_Token], start: int) -> bool:
    """Is the cue at `start` denied by the word or two before it? "it wont settle", "hasnt
    settled down" say the event goes on, not that it is over."""
    before = [t.text for t in tokens[max(0, start - DENIED_CUE_REACH) : start] if not t.is_break]
    return not _DENYING_FILLERS.isdisjoint(before)


def _clause_windows(
    tokens: Sequence[_Token], cues: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The words each cue covers: FICTION_REACH words either side, within its clause."""
    windows = []
    for cue_start, cue_end in cues:
        first = cue_start
        while first > 0 and cue_start - first < FICTION_REACH and not tokens[first - 1].is_break:
            first -= 1
        last = cue_end
        while (
            last < len(tokens) - 1
            and last - cue_end < FICTION_REACH
            and not tokens[last + 1].is_break
        ):
            last += 1
        windows.append((first, last))
    return windows


# Readings a message can say are none, or blame on the device (see Triage._readings_kept).
_BP_READINGS = frozenset({"low-bp-reading", "high-bp-reading"})
_READINGS = _BP_READINGS | {"slow-pulse", "fast-pulse", "low-sats"}
# Concepts a correction does not withdraw: the words of time, denial and correction
# themselves, which say how the rest is told.
_UNRETRACTED = frozenset({"retraction", "negation", "not-a-reading", "device-fault"})
# A denial or a device blamed this many words after a reading, in its sentence, is about it.
READING_DENIAL_REACH = 12


def _later_in_sentence(tokens: Sequence[_Token], position: int, later: int) -> bool:
    """Is `later` after `position`, within READING_DENIAL_REACH words and no full stop?"""
    if not 0 < later - position <= READING_DENIAL_REACH:
        return False
    return not any(t.text in _SENTENCE_ENDS for t in tokens[position:later])


def _normal_reading(tokens: Sequence[_Token], position: int, value: float) -> bool:
    """Is the number at `position` the top of a normal blood pressure ("121/79")?"""
    if not _reading_after(tokens, position) or not LOW_SYSTOLIC <= value < HIGH_SYSTOLIC:
        return False
    bottom = _number(tokens[position + 2].text)
    return bottom is not None and bottom >= LOW_DIASTOLIC


# Two words of a spoken correction, a comma maybe between ("no, sorry", "wait, no"): terms
# cannot cross a comma, so the code finds these.
_RETRACTION_PAIRS = frozenset({("no", "sorry"), ("sorry", "no"), ("wait", "no"), ("no", "wait")})


def _spoken_retractions(tokens: Sequence[_Token]) -> list[Match]:
    found = []
    for first, token in enumerate(tokens):
        for second in (first + 1, first + 2):
            if second >= len(tokens) or (second == first + 2 and tokens[first + 1].text != ","):
                continue
            if (token.text, tokens[second].text) in _RETRACTION_PAIRS:
                words = " ".join(t.text for t in tokens[first : second + 1])
                found.append(Match("retraction", first, second, words, False))
    return found


# What was swallowed, and the swallowing of it, which a correction can name anew ("I said he
# swallowed a vitamin but I got it wrong: it was a raisin").
_THINGS = frozenset(
    {
        "medicine-in-reach",
        "magnesium-product",
        "epsom",
        "liquid-product",
        "swallow-magnesium",
        "ingested",
        "ingest",
        "by-mouth",
    }
)
_REPLACED_BY = (("it", "was"), ("its",), ("it", "is"), ("was",))
_ARTICLES = frozenset({"a", "an", "just", "only", "actually"})
# Words after "it was a" that tell how much or what sort, not a different thing ("it was a
# handful", "it was an adult one"): such a correction withdraws nothing.
_NOT_INSTEAD = frozenset(
    "handful whole lot load few couple bunch bottle pack packet tub jar box dozen half "
    "adult different another stronger bigger larger double higher full entire".split()
)


def _names_instead(tokens: Sequence[_Token], correction: Match) -> bool:
    """Does the correction go straight on to name what it really was ("I got it wrong: it was
    a raisin")?"""
    words = [t.text for t in tokens[correction.end + 1 : correction.end + 6] if t.text not in ":,"]
    for opening in _REPLACED_BY:
        if tuple(words[: len(opening)]) != opening:
            continue
        rest = words[len(opening) :]
        thing = [w for w in rest if w not in _ARTICLES]
        named = bool(thing) and len(thing) < len(rest) and _number(thing[0]) is None
        return named and thing[0] not in _NOT_INSTEAD
    return False


def _retracted(
    found: Sequence[Match], corrections: Sequence[Match], tokens: Sequence[_Token]
) -> list[Match]:
    """The matches, a sign told before a correction counting as denied when the correction
    denies it again and names it nowhere as true ("she's on dialysis? no, sorry, she's not on
    dialysis"), or, for the thing swallowed, names something else in its place and not it
    ("I said a vitamin but I got it wrong: it was a raisin"); a correction that names it
    again, or something worse ("it was 20 tablets"), changes nothing."""
    kept = list(found)
    for correction in corrections:
        after = [m for m in found if m.start > correction.end]
        denied = bool(after) and all(m.negated for m in after)
        # The thing named instead, in the correction's clause, must not be the thing itself
        # ("it was a whole bottle of them" names it again); later sentences tell more.
        following = [p for p in range(correction.end + 1, len(tokens)) if not tokens[p].is_break]
        _, clause_end = _clause_of(tokens, following[0]) if following else (0, correction.end)
        again = [m for m in after if m.start <= clause_end and not m.negated]
        instead = found[0].concept in _THINGS and _names_instead(tokens, correction)
        replaced = instead and not again
        if not denied and not replaced:
            continue
        kept = [
            Match(m.concept, m.start, m.end, m.words, True) if m.end < correction.start else m
            for m in kept
        ]
    return kept


# The writer's own people ("my husband", "our son"): someone real, not a character.
_OWN_PEOPLE = frozenset(
    "husband wife partner son daughter baby kid kids child toddler boy girl mum mom dad nan "
    "gran grandma grandpa grandad granny boyfriend girlfriend bf gf friend brother sister "
    "mother father dog".split()
)


def _without_own_people(
    tokens: Sequence[_Token], windows: Sequence[tuple[int, int]], cues: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Each story's window, cut where the message names the writer's own people or says
    "now" ("watching Grey's with my husband and now he is fitting"): what is told past that
    happens to someone real. The story's own words ("my character") are its cue, not cut."""
    if not cues:
        return []  # most messages tell no story: no pass over their words
    cut = [
        p
        for p, token in enumerate(tokens)
        if token.text == "now"
        or (
            token.text in {"my", "our"}
            and p + 1 < len(tokens)
            and tokens[p + 1].text in _OWN_PEOPLE
        )
    ]
    kept = []
    for (first, last), (cue_start, cue_end) in zip(windows, cues, strict=True):
        later = [p for p in cut if cue_end < p <= last]
        earlier = [p for p in cut if first <= p < cue_start]
        last = min([last, *(p - 1 for p in later)])
        first = max([first, *(p + 1 for p in earlier)])
        kept.append((first, last))
    return kept


def _outside(matches: Sequence[Match], windows: Sequence[tuple[int, int]]) -> list[Match]:
    """The matches that overlap none of the windows."""
    return [m for m in matches if not any(s <= m.end and m.start <= e for s, e in windows)]


def _overlaps_any(match: Match, others: Sequence[Match]) -> bool:
    return any(o.start <= match.end and match.start <= o.end for o in others)


def _ordinary_span(tokens: Sequence[_Token], match: Match) -> tuple[int, int]:
    """The words an ordinary cause excuses: ORDINARY_REACH words either side, and for a
    cause told after its sign (CLAUSE_ORDINARY) its clause before it, up to
    CLAUSE_ORDINARY_REACH words, but not past a word that starts the present ("now")."""
    low, high = match.start - ORDINARY_REACH, match.end + ORDINARY_REACH
    if match.concept in BACKWARD_ORDINARY:
        return low, match.start - 1
    if match.concept in CLAUSE_ORDINARY:
        first, _ = _clause_of(tokens, match.start)
        first = max(first, match.start - CLAUSE_ORDINARY_REACH)
        present = [p for p in range(first, match.start) if tokens[p].text in _PRESENT_STARTS]
        low = min(low, max([first, *(p + 1 for p in present)]))
    if match.concept in POSTURE_ORDINARY:
        _, last = _clause_of(tokens, match.end)
        last = min(last, match.end + POSTURE_AFTER_REACH)
        stops = [p for p in range(match.end + 1, last + 1) if tokens[p].text in _POSTURE_STOPS]
        high = max(high, min([last, *(p - 1 for p in stops)]))
    return low, high


def _verdicts_chained(
    tokens: Sequence[_Token], checks: Sequence[tuple[int, int]], verdicts: Sequence[Match]
) -> list[tuple[int, int]]:
    """Each check, reaching on to a further verdict in its clause ("the cardiologist said my
    heart is normal and the palpitations are benign"): the clinician's report goes on, and a
    sign named in it is settled too. Not across a comma or a "but" ("..., but my chest hurts,
    is that normal?" asks, it does not report)."""
    chained = []
    for start, end in checks:
        for verdict in sorted(verdicts, key=lambda m: m.start):
            between = tokens[end + 1 : verdict.start]
            if verdict.start <= end:
                continue
            if verdict.start - end > CHECKED_REACH or any(
                t.is_break or t.text in _CLAUSE_WORDS for t in between
            ):
                break
            end = verdict.end
        chained.append((start, end))
    return chained


def _visits_settled(
    tokens: Sequence[_Token],
    visits: Sequence[Match],
    checks: Sequence[tuple[int, int]],
    verdicts: Sequence[Match],
) -> list[tuple[int, int]]:
    """Past visits to care settled by a verdict told after them, in their sentence or the
    next ("went to urgent care last month with a racing heart. They did an ECG, said it was
    fine"): each as (visit start, verdict end). The verdict is a qualified check ("the ECG
    was normal") or a fine-word or normal result on its own ("urine normal")."""
    ends = [end for _, end in checks] + [m.end for m in verdicts]
    settled = []
    for visit in visits:
        after = sorted(
            end
            for end in ends
            if 0 < end - visit.end <= VISIT_REACH
            and sum(t.text in _SENTENCE_ENDS for t in tokens[visit.end : end]) <= VISIT_SENTENCES
        )
        if after:
            settled.append((visit.start, after[0]))
    return settled


def _list_windows(
    tokens: Sequence[_Token], windows: Sequence[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Each window, carried on over the short comma-separated items that follow it ("...
    the usual scenarios, choking, bleeding, someone not breathing, a seizure")."""
    carried = []
    for first, last in windows:
        while last + 1 < len(tokens) and tokens[last + 1].text == ",":
            _, item_end = _clause_of(tokens, last + 2) if last + 2 < len(tokens) else (0, -1)
            item = tokens[last + 2 : item_end + 1]
            if not item or len(item) > LIST_ITEM_WORDS or tokens[last + 2].is_break:
                break
            if _REAL_NOW.intersection(t.text for t in item):
                break  # "..., my dad just collapsed": someone real, now
            last = item_end
        carried.append((first, last))
    return carried


def _unless_normal(
    match: Match, tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]
) -> Match:
    """A blood pressure word followed by a normal reading ("my bp is 110/70, is that too
    low?"), or by a low one a normal recheck replaced ("bp 85/55, again 5 minutes later
    122/80"), states a known, normal pressure: it does not count as a low one."""
    for position, value in numbers:
        if 0 < position - match.end <= NORMAL_READING_REACH and _reading_after(tokens, position):
            # "bp 90/55": a bottom number under 60 is low, whatever the top one says.
            bottom = _number(tokens[position + 2].text)
            low_bottom = bottom is not None and bottom < LOW_DIASTOLIC
            normal = LOW_SYSTOLIC <= value < HIGH_SYSTOLIC and not low_bottom
            if normal or (value < LOW_SYSTOLIC and _normal_on_recheck(tokens, position)):
                return Match(match.concept, match.start, match.end, match.words, True)
    return match


def _about_a_thing(
    match: Match,
    tokens: Sequence[_Token],
    subjects: Sequence[int],
    described: frozenset[int] = frozenset(),
) -> Match:
    """The match, not counting when an animal or thing just before it is its subject, or
    the word right after it names the animal or thing it describes ("fainting goats")."""
    if match.negated:
        return match
    if match.end + 1 in described:
        return Match(match.concept, match.start, match.end, match.words, True)
    for subject in subjects:
        if subject >= match.start or match.start - subject > SUBJECT_REACH:
            continue
        between = tokens[subject + 1 : match.start]
        if not any(t.is_break or t.text in _PERSON_WORDS for t in between):
            return Match(match.concept, match.start, match.end, match.words, True)
    return match


def _history_windows(
    tokens: Sequence[_Token], cues: Sequence[tuple[int, int]], ongoing: Sequence[int] = ()
) -> list[tuple[int, int]]:
    """The words each remote-past cue tells as past: HISTORY_REACH words either side, in its
    own sentence, or also the sentence before when the cue stands alone ("Never since."),
    but never into another clause that says the sign goes on (`ongoing`: "wont stop")."""
    sentences: list[tuple[int, int]] = []
    start = 0
    for position, token in enumerate(tokens):
        if token.text in _SENTENCE_ENDS:
            sentences.append((start, position))
            start = position + 1
    sentences.append((start, len(tokens) - 1))
    windows = []
    for cue_start, cue_end in cues:
        k = next(i for i, (a, b) in enumerate(sentences) if a <= cue_start <= b)
        first, last = sentences[k]
        words = sum(not t.is_break for t in tokens[first : last + 1])
        if k > 0 and words <= cue_end - cue_start + 1 + FRAGMENT_WORDS:
            first = sentences[k - 1][0]
        end = min(last, cue_end + HISTORY_REACH)
        # "had a dvt last year and now my calf is swollen": "now" (or "just") after the cue
        # starts the present, so the past ends before it.
        end = next(
            (i - 1 for i in range(cue_end + 1, end + 1) if tokens[i].text in _PRESENT_STARTS), end
        )
        first = max(first, cue_start - HISTORY_REACH)
        for position in ongoing:
            low, high = _clause_of(tokens, position)
            if high < cue_start:
                first = max(first, high + 1)
            elif low > cue_end:
                end = min(end, low - 1)
        windows.append((first, end))
    return windows


# Words after an explanation cue that name what it turned out to be ("turned out to be just a
# faint").
EXPLANATION_WORDS = 3
# Words after a past phrase that start the present ("... years sober, but i just took"):
# the past ends before them.
_PRESENT_STARTS = frozenset({"now", "just"})


def _clause_of(tokens: Sequence[_Token], position: int) -> tuple[int, int]:
    """The first and last word of the clause (between breaks) holding `position`."""
    low = position
    while low > 0 and not tokens[low - 1].is_break:
        low -= 1
    high = position
    while high < len(tokens) - 1 and not tokens[high + 1].is_break:
        high += 1
    return low, high


def _past_years(tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]) -> list[int]:
    """Where the message places an event in a year ("I fainted once in 2015", "had a stroke
    in '98," as people write a year of the last century, or "in 09")."""
    return [
        position
        for position, value in numbers
        if position > 0
        and tokens[position - 1].text in _YEAR_WORDS
        and (
            (len(tokens[position].text) == 4 and FIRST_PAST_YEAR <= value <= LAST_PAST_YEAR)
            or _short_year(tokens, position, value)
        )
    ]


def _short_year(tokens: Sequence[_Token], position: int, value: float) -> bool:
    """A year in two digits ("in 98", "in 09"), told at the end of its clause: not "in 10
    minutes" nor "in 90 seconds", which name a unit after the number."""
    text = tokens[position].text
    ends_clause = position + 1 == len(tokens) or tokens[position + 1].is_break
    century = text.isdigit() and len(text) == 2 and (value >= SHORT_YEAR_FROM or text[0] == "0")
    return century and ends_clause


def _past_ages(tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]) -> list[int]:
    """Where the message places an event at an age someone was ("when i was 14", "when
    she was 3", "when my daughter was 2"): an age told in the past tense is history, not
    now."""
    return [
        position
        for position, value in numbers
        if position >= 3
        and MIN_AGE <= value <= MAX_AGE
        and tokens[position - 1].text in _WAS_WORDS
        and _age_subject(tokens, position - 1)
    ]


def _past_stages(tokens: Sequence[_Token]) -> list[int]:
    """Where the message places an event in a stage of someone's life ("when my daughter was a
    baby", "when he was little"): like an age someone was, history, not now."""
    found = []
    for position, token in enumerate(tokens[:-1]):
        if token.text not in _WAS_WORDS or position < 2 or not _age_subject(tokens, position):
            continue
        following = [t.text for t in tokens[position + 1 : position + 3]]
        if following[0] in _STAGES or (
            following[0] in {"a", "an"} and following[1:] and following[1] in _STAGES
        ):
            found.append(position + 1)
    return found


def _past_durations(
    tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]
) -> list[tuple[int, int]]:
    """Where the message says a sign has been known for years ("an irregular heartbeat
    diagnosed for four years", "for the past 10 years"), from "for" to the unit: like "for
    years", a long story, not an event now."""
    found = []
    for position, value in numbers:
        if value < 1 or _unit_after(tokens, position) not in _LONG_UNITS:
            continue
        start = position - 1
        while start > max(0, position - DURATION_WORDS) and tokens[start].text in _DURATION_FILLERS:
            start -= 1
        if start >= 0 and tokens[start].text == "for":
            found.append((start, position + 1))
    return found


def _age_subject(tokens: Sequence[_Token], was: int) -> bool:
    """Is "was" at `was` told of someone just after "when" or "since": a pronoun ("when she
    was") or a possessive and a noun or two ("when my daughter was", "since our little boy
    was")?"""
    for size in range(1, AGE_SUBJECT_WORDS + 1):
        start = was - size
        if start < 1 or tokens[start - 1].text not in _AGE_WHEN:
            continue
        subject = tokens[start:was]
        if any(t.is_break for t in subject):
            return False
        first = subject[0].text
        if (size == 1 and first in _AGE_SUBJECTS) or (size > 1 and first in _POSSESSIVES):
            return True
    return False


def _past_at_ages(tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]) -> list[int]:
    """An age given with "at" ("fainted at 13") when the message states an older age now
    ("im 30 now"): the event was long ago, not today."""
    now_ages = [
        value
        for position, value in numbers
        if position + 1 < len(tokens)
        and tokens[position + 1].text == "now"
        and tokens[position - 1].text in _NOW_AGE_SUBJECTS
    ]
    return [
        position
        for position, value in numbers
        if position >= 1
        and tokens[position - 1].text in {"at", "aged", "age"}
        and MIN_AGE <= value <= MAX_AGE
        and any(now > value for now in now_ages)
    ]


def _had_at_ages(tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]) -> list[int]:
    """ "my cousin had a stroke at 35": an age at which someone had an event, told with
    "had" just before it, is history; a clock time ("at 5 pm", "at 10:30") is not an age."""
    return [
        position
        for position, value in numbers
        if position >= 1
        and tokens[position - 1].text == "at"
        and "had" in {t.text for t in tokens[max(0, position - HAD_AT_REACH) : position]}
        and MIN_HAD_AGE <= value <= MAX_AGE
        and value == int(value)
        and (position + 1 >= len(tokens) or tokens[position + 1].text not in _CLOCK_WORDS)
    ]


def _bare_stroke(match: Match, tokens: Sequence[_Token]) -> bool:
    """Is the match the word "stroke" alone, not "a stroke" or "having a stroke"?"""
    article = match.start > 0 and tokens[match.start - 1].text in {"a", "an"}
    return match.words in {"stroke", "strokes"} and not article


def _present(matches: Sequence[Match]) -> bool:
    return any(not m.negated for m in matches)


def _satisfied(
    rule: tuple[str, ...],
    options: Sequence[Sequence[Match]],
    within: int | None,
    history: Sequence[tuple[int, int]] = (),
    ordinary: Sequence[tuple[int, int]] = (),
    settled: Sequence[tuple[int, int]] = (),
) -> tuple[str, ...] | None:
    """The matched words of one combination that satisfies `rule`, or None.

    A combination that overlaps a `history` window is told as past; one that overlaps an
    `ordinary` span (already widened by its reach) is ordinary; one whose signs lie wholly
    inside a `settled` window (told before a check said all was well) was settled by the
    check, wherever its context was told ("Pregnant, 34 weeks. Had a bad headache this
    morning so I rang maternity triage ... all fine").
    """
    live = [[m for m in found if not m.negated] for found in options]
    if not all(live):
        return None
    for combination in itertools.product(*live):
        if _overlapping(combination):
            continue  # one word cannot stand for two concepts ("twitching all over")
        low = min(m.start for m in combination)
        high = max(m.end for m in combination)
        # A rule of one concept has no distance to keep: a long term ("lungs feel like they
        # wont fill") is not too spread out for its own window.
        if within is not None and len(combination) > 1 and high - low > within:
            continue
        if any(s <= high and low <= e for s, e in (*history, *ordinary)):
            continue
        signs = [m for m in combination if m.concept not in CONTEXT_CONCEPTS] or list(combination)
        first, last = min(m.start for m in signs), max(m.end for m in signs)
        if any(s <= first and last <= e for s, e in settled):
            continue
        return tuple(m.words for m in combination)
    return None


def _overlapping(matches: Sequence[Match]) -> bool:
    spans = sorted((m.start, m.end) for m in matches)
    return any(later[0] <= earlier[1] for earlier, later in itertools.pairwise(spans))


def _is_typo(word: str, target: str, distance: float) -> bool:
    """Close enough to be a typo of `target`, without turning one real word into another.

    Four-letter words only by a swap or a doubled letter ("pian", "painn"): any single edit
    of a four-letter word makes a different word too often ("want" / "cant", "rate" /
    "race"). Two edits only for long words ("diarrea" for "diarrhoea").
    """
    # Typos rarely hit the first letter, and real words that differ there ("painting" /
    # "fainting", "pointing") would otherwise pass as typos.
    if len(target) < 4 or word[0] != target[0]:
        return False
    if distance >= 2:
        return len(target) >= 8 and len(word) >= 7
    if min(len(word), len(target)) == 4:
        swapped = len(word) == len(target) and sorted(word) == sorted(target)
        return swapped or _REPEATS.sub(r"\1", word) == _REPEATS.sub(r"\1", target)
    return True


# --- concepts computed from numbers ----------------------------------------------------------


def _numeric(
    concept: str, tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]
) -> Iterator[Match]:
    for position, value in numbers:
        if _fires(concept, value, tokens, position):
            yield Match(concept, position, position, tokens[position].text, False)


def _pulse_told_before(tokens: Sequence[_Token], position: int, before: Sequence[str]) -> bool:
    """ "took his pulse cos he seemed off and its 38": a pulse taken earlier in the sentence,
    then its number after "its" or "was", with no temperature named in between."""
    if not before or before[-1] not in _PULSE_TOLD:
        return False
    following = tokens[position + 1].text if position + 1 < len(tokens) else ""
    if following in _TEMPERATURE_WORDS or following in _OTHER_MEASURES:
        return False
    earlier: list[str] = []
    for token in reversed(tokens[max(0, position - PULSE_TOLD_REACH) : position]):
        if token.text in _SENTENCE_ENDS:
            break
        earlier.append(token.text)
    measured = _TEMPERATURE_WORDS.union(_OTHER_MEASURES).intersection(earlier)
    return "pulse" in earlier and not measured


_PULSE_OX = frozenset({"ox", "oximeter", "oximetry", "oxi", "oximeters"})


def _pulse_on_the_device(
    tokens: Sequence[_Token], position: int, before: Sequence[str], following: str
) -> bool:
    """ "her pulse on the oximeter reads 72, oxygen 98": a number an oximeter shows after the
    pulse was named in the same clause is the pulse, unless an oxygen word (not the device) is
    right by it. A "pulse ox" is the device itself, so it names no pulse."""
    if following in _SATS_WORDS or not _pulse_told_before(tokens, position, before):
        return False
    if _SATS_WORDS.difference(_PULSE_OX).intersection(before[-3:]):
        return False
    following_word = ""
    for token in reversed(tokens[max(0, position - PULSE_TOLD_REACH) : position]):
        if token.is_break or token.text in _CLAUSE_WORDS or token.text == "and":
            return False  # "his pulse is fine but the oximeter reads 84": the oxygen
        if token.text == "pulse" and following_word not in _PULSE_OX:
            return True
        following_word = token.text
    return False


def _fires(concept: str, value: float, tokens: Sequence[_Token], position: int) -> bool:
    after = [t.text for t in tokens[position + 1 : position + 4] if not t.is_break]
    if _denies_a_number(tokens, position + 1):
        # "took 40 not 4 magnesium tablets": what follows the denied number is this one's
        after = [t.text for t in tokens[position + 3 : position + 6] if not t.is_break]
    before = [t.text for t in tokens[max(0, position - 4) : position] if not t.is_break]
    reading = _reading_after(tokens, position)
    if concept == "pill-count":
        if after[:1] and after[0] in _STRENGTH_UNITS:
            return False  # "a 150 mg tablet" is a strength, not a count of tablets
        below = before[-1:] in (["/"], ["over"]) and len(before) > 1
        if below and _number(before[-2]) is not None:
            return False  # "BP 118/74, magnesium 0.88": the bottom number of a reading
        if value >= 2 and after[:1] in (["bottles"], ["packets"], ["boxes"], ["packs"]):
            return True
        if before[-1:] and before[-1] in _DETERMINERS and _CONTAINERS.intersection(after[1:2]):
            return False  # "my 60 tablet bottle": the size of a container, not a count taken
        # "30 x Mg oxide 400mg tabs": a count, then the tablet's name and strength.
        wider = [t.text for t in tokens[position + 1 : position + 7] if not t.is_break]
        times_tabs = after[:1] == ["x"] and bool(_PILL_WORDS.intersection(wider))
        counted = (
            times_tabs
            or bool(_PILL_WORDS.intersection(after[:3]))
            or (
                after[:1] == ["of"] and not _PEOPLE.intersection(after[1:2])  # not "six of us"
            )
        )
        if before[-1:] == ["top"]:
            return False  # "top 5 magnesium foods": a ranking, not a count taken
        dose_number = before[-1:] == ["dose"]  # "on dose 9 today"
        # "took 20 magnesium oxide"; not across a comma ("74, magnesium 0.88" lists results)
        named = (
            bool(_SUPPLEMENT_WORDS.intersection(after[:1]))
            and not tokens[position + 1].is_break
            and value <= MAX_SUPPLEMENT_COUNT
            and "mg" not in after[1:2]
        )
        return value >= PILL_COUNT and (
            counted or dose_number or named or after[:2] == ["at", "once"]
        )
    if concept == "dose-multiple":
        wider = [t.text for t in tokens[position + 1 : position + 6] if not t.is_break]
        if not wider or wider[0] not in _TIMES_WORDS:
            return False
        # "took my magnesium 8 times today": one dose taken again and again in a day, told
        # with a taking word just before the count ("3 times a day" is a schedule).
        repeated = (
            value >= PILL_COUNT
            and bool(_REPEAT_WHEN.intersection(wider[1:3]))
            and bool(_TAKE_WORDS.intersection(before))
        )
        return repeated or (
            value >= MIN_DOSE_MULTIPLE and bool(_DOSE_WORDS.intersection(wider[1:]))
        )
    if concept == "big-dose":
        return value >= BIG_DOSE_MG and after[:1] in (["mg"], ["milligrams"], ["mgs"])
    if concept in {"slow-pulse", "fast-pulse"}:
        # "heart rate is still stuck at 170": words of lasting do not part a pulse from its
        # number.
        told = [
            t.text
            for t in tokens[max(0, position - 8) : position]
            if not t.is_break and t.text not in _STILL_BEFORE
        ][-4:]
        near = (
            _PULSE_WORDS.intersection(before + told + after[:1])
            or "heart" in before + told
            or after[:2] == ["at", "rest"]
            or _pulse_told_before(tokens, position, before)
        )
        later = _effort_words(tokens, position + 1, position + 1 + EXERCISE_AFTER, after=True)
        earlier = _effort_words(tokens, position - EXERCISE_BEFORE, position, after=False)
        exercise = later & _EXERCISE_WORDS or (
            earlier & _EXERCISE_WORDS and not (earlier | later) & _AT_REST
        )
        if exercise and _still_up(tokens, position):
            exercise = False  # "190 after my run and it wont come down": not the effort
        if not near or reading or exercise:
            return False  # a fast pulse during exercise is expected
        if before[-1:] and before[-1] in _OTHER_LABELS:
            return False  # "temperature 36.6, pulse 70": the number is the temperature
        if _TEMPO_WORDS.intersection(before[-3:]):
            return False  # "metronome at 180bpm": a tempo of music, not a heartbeat
        if not MIN_PULSE <= value <= MAX_PULSE or _NOT_BEATS.intersection(after[:1]):
            return False
        if after[:1] in (["beats"], ["bpm"]) and _COMPARED.intersection(after[1:2]):
            return False  # "20 beats higher in hot weather": a difference, not a pulse
        if _pulse_normal_on_recheck(tokens, position):
            return False  # "watch says 130, but my manual pulse is 72": the device's error
        return value < SLOW_PULSE if concept == "slow-pulse" else value > FAST_PULSE
    if concept in {"low-bp-reading", "high-bp-reading"}:
        if before[-1:] in (["/"], ["over"]):
            return False  # the bottom number of a reading
        if _NOT_PRESSURE_UNITS.intersection(after[:1]):
            return False  # "88 bpm" is a pulse, "180 mg/dl" a blood sugar: no pressure
        if before[-1:] == ["on"] and _number(before[-2] if len(before) > 1 else "") is not None:
            return False  # "70 on 40": the bottom number, in words some people use
        # "it was like 70 systolic": the blood-pressure word can follow the number.
        near_bp = bool(_BP_WORDS.intersection(before)) or after[:1] == ["systolic"]
        if near_bp and not reading and _BP_WORDS.intersection(before) == {"reading"}:
            # "a high HR alert ... reading back to 58": a device's reading of a pulse named
            # before it in its sentence is the pulse, unless a blood-pressure word is too.
            ends = [i for i in range(position) if tokens[i].text in _SENTENCE_ENDS]
            sentence = {t.text for t in tokens[(ends[-1] + 1 if ends else 0) : position]}
            near_bp = not (_PULSE_LABELS & sentence) or bool((_BP_WORDS - {"reading"}) & sentence)
        if not reading and _following_on(tokens, position):
            # "pressure of my father is 70 on 40": a reading only near a blood-pressure word.
            preceding = {t.text for t in tokens[max(0, position - 8) : position]}
            reading = bool(_BP_WORDS.intersection(preceding))
        if not (reading or near_bp) or not 40 <= value <= 300:
            return False
        if concept == "low-bp-reading" and _normal_on_recheck(tokens, position):
            return False  # "85/55 once, but the next reading was 118/76"
        if concept == "high-bp-reading":
            return value >= HIGH_SYSTOLIC
        # "90/55": at the low limit on top, and under it at the bottom, is low too.
        bottom = _number(tokens[position + 2].text) if reading else None
        at_limit = value == LOW_SYSTOLIC and bottom is not None and bottom < LOW_DIASTOLIC
        return value < LOW_SYSTOLIC or at_limit
    if concept == "low-egfr":
        wider = [t.text for t in tokens[max(0, position - 6) : position]]
        # "12% kidney function" names the function after the number; not across a comma
        # ("magnesium 0.88, kidney function normal" lists two results).
        next_two = [t.text for t in tokens[position + 1 : position + 3]]
        named_after = next_two in (["kidney", "function"], ["renal", "function"])
        if value < 1 or _OTHER_LABS.intersection(before[-1:]):
            return False  # "magnesium 0.88": another blood level, no eGFR (a whole number)
        if _TIME_UNITS.intersection(after[:1]):
            return False  # "donated a kidney 5 years ago": a time, not a kidney function
        if tokens[position].text == "one":
            return False  # "which one has more": a pronoun, not a kidney function
        if before[-1:] == ["stage"]:
            return value >= SEVERE_CKD_STAGE  # "kidneys are stage 2": a stage, not an eGFR
        return (bool(_KIDNEY_WORDS.intersection(wider)) or named_after) and value < LOW_EGFR
    if concept == "low-sats":
        # "sats 88", "spo2 89", "oxygen 85", "88 sats": an oxygen saturation under 92 %.
        following = tokens[position + 1].text if position + 1 < len(tokens) else ""
        near = _SATS_WORDS.intersection(before[-3:]) or following in _SATS_WORDS
        in_range = MIN_SATS <= value < LOW_SATS
        if _sats_normal_on_recheck(tokens, position):
            return False  # "89 with cold hands, retested and it was 98": the probe's error
        if following in {"bpm", "beats"}:
            return False  # "96 spo2 and 84 bpm": the number with "bpm" is the pulse
        if _pulse_on_the_device(tokens, position, before, following):
            return False  # "her pulse on the oximeter reads 72": the pulse, not the oxygen
        if before[-1:] and before[-1] in _PULSE_LABELS and following not in _SATS_WORDS:
            return False  # "oxygen sat 97 pulse 65": the number named just before is the pulse
        return bool(near) and in_range and not _NOT_BEATS.intersection(after[:1])
    if concept == "low-gcs":
        near_gcs = bool({"gcs", "glasgow"}.intersection(before[-3:]))
        return near_gcs and MIN_GCS <= value <= LOW_GCS
    if concept == "weeks-pregnant":
        # "35/40": weeks of a forty-week pregnancy, as midwives write it.
        gestation = [t.text for t in tokens[position + 1 : position + 3]] == ["/", "40"]
        weeks = gestation or after[:1] in (["weeks"], ["wks"], ["week"], ["wk"], ["w"])
        # "week 31 bump diary": the week named before its number, as pregnancy apps put it.
        weeks = weeks or (before[-1:] in (["week"], ["wk"]) and "of" not in after[:1])
        return weeks and 10 <= value <= 42 and not {"ago", "old"}.intersection(after[1:3])
    if concept == "child-age":
        unit = after[0] if after else ""
        if unit in _MONTHS:
            return True
        aged = unit in {"yo", "yrs", "yr"} or (unit in _YEARS and "old" in after[1:3])
        return aged and value <= CHILD_YEARS
    return False


def _effort_words(tokens: Sequence[_Token], start: int, end: int, *, after: bool) -> set[str]:
    """The words in [start, end) that could name the effort a pulse was read in, or rest:
    `after` the reading, past its first EXERCISE_NEXT words only within its sentence; and none
    denied just before it ("185 without any exercise", "not been exercising, pulse 170" are
    pulses at rest)."""
    found: set[str] = set()
    ended = False
    for position in range(max(0, start), min(len(tokens), end)):
        text = tokens[position].text
        ended = ended or text in _SENTENCE_ENDS
        if after and ended and position >= start + EXERCISE_NEXT:
            break
        before = {t.text for t in tokens[max(0, position - NO_EXERCISE_REACH) : position]}
        if not before & _NO_EXERCISE:
            found.add(text)
    return found


def _still_up(tokens: Sequence[_Token], position: int) -> bool:
    """Does the message say, around a pulse reading, that it is not coming back down ("170
    and it wont drop", "still stuck at 170")?"""
    later = " ".join(t.text for t in tokens[position + 1 : position + 1 + STILL_UP_REACH])
    before = {t.text for t in tokens[max(0, position - 3) : position]}
    return any(phrase in later for phrase in _STILL_UP) or bool(_STILL_BEFORE & before)


def _small_stated_dose(tokens: Sequence[_Token], numbers: Sequence[tuple[int, float]]) -> bool:
    """Does the message state its doses, all small ("2 x 100 mg", "my 150mg tablet twice")?
    A doubled dose of a stated small amount is no large overdose; a count of tablets, a
    big amount or no amount at all leaves the doubling as it was."""
    doses = [value for position, value in numbers if _unit_after(tokens, position) in _MG_UNITS]
    if not doses or max(doses) > SMALL_DOSE_MG:
        return False
    return not any(_fires("pill-count", value, tokens, position) for position, value in numbers)


def _told_intake(finding: Finding) -> bool:
    """Does the finding rest on an intake told as too much ("took too much", "swallowed too
    many")?"""
    return any(
        concept == "overdose-strong" and words.split()[0] in _INTAKE_VERBS
        for concept, words in zip(finding.rule, finding.evidence, strict=True)
    )


def _unit_after(tokens: Sequence[_Token], position: int) -> str:
    return tokens[position + 1].text if position + 1 < len(tokens) else ""


def _normal_on_recheck(tokens: Sequence[_Token], position: int) -> bool:
    """Is the reading at `position` followed by a recheck word and then a normal reading
    ("85/55, rechecked and it was 118/76")? A low reading a normal recheck replaces is a
    cuff's error; a low reading after a normal one still counts."""
    value = _recheck(tokens, position, _RECHECK_WORDS, lambda at, _: _reading_after(tokens, at))
    return value is not None and LOW_SYSTOLIC <= value < HIGH_SYSTOLIC


def _recheck(
    tokens: Sequence[_Token],
    position: int,
    recheck_words: frozenset[str],
    is_reading: Callable[[int, float], bool],
) -> float | None:
    """The first reading (`is_reading` of its position and value) after `position` that
    comes after one of `recheck_words`, if any: the measurement that replaces the first."""
    recheck = False
    # A recheck is told near the reading it replaces; the reach keeps a long message of
    # numbers from costing a pass over the rest of it for every number.
    for later in range(position + 1, min(len(tokens), position + 1 + RECHECK_REACH)):
        text = tokens[later].text
        recheck = recheck or text in recheck_words
        value = _number(text)
        if recheck and value is not None and is_reading(later, value):
            return value
    return None


def _sats_normal_on_recheck(tokens: Sequence[_Token], position: int) -> bool:
    """Is the oxygen reading at `position` followed by a recheck word and then a normal one
    ("89, retested with warm hands: 98")? A low reading a normal recheck replaces is the
    probe's error (cold fingers, nail polish)."""
    value = _recheck(tokens, position, _SATS_RECHECK_WORDS, lambda _, v: MIN_SATS <= v <= MAX_SATS)
    return value is not None and value >= NORMAL_SATS


def _pulse_normal_on_recheck(tokens: Sequence[_Token], position: int) -> bool:
    """Is the pulse at `position` followed by a recheck word and then a normal pulse ("130
    on the watch, but my manual pulse is 72")? A reading a normal recheck replaces is the
    device's error; the recheck must name itself ("manual", "retook", "again")."""
    value = _recheck(
        tokens, position, _PULSE_RECHECK_WORDS, lambda _, v: MIN_PULSE <= v <= MAX_PULSE
    )
    return value is not None and SLOW_PULSE <= value <= FAST_PULSE


def _following_on(tokens: Sequence[_Token], position: int) -> bool:
    """Is the number at `position` followed by "on" and a number ("70 on 40")?"""
    following = [t.text for t in tokens[position + 1 : position + 3]]
    return len(following) == 2 and following[0] == "on" and following[1].isdigit()


def _reading_after(tokens: Sequence[_Token], position: int) -> bool:
    """Is the number at `position` the top of a reading: "80/50" or "80 over 50"?"""
    following = [t.text for t in tokens[position + 1 : position + 3]]
    return len(following) == 2 and following[0] in {"/", "over"} and following[1].isdigit()


# Exercise words after a pulse ("170 during my spin class"); "during" or "while" alone is not
# exercise ("160 while sitting on the sofa").
_EXERCISE_WORDS = frozenset(
    "workout workouts exercise exercising running run runs ran spin gym class training sprint "
    "treadmill elliptical stairmaster rower spinning crosstrainer "
    "sprints sprinting intervals race cycling jog jogs jogging jogged hiit cardio swim "
    "k km mile miles marathon parkrun tempo hills climb lifting deadlifts squats crossfit wod "
    "match rugby basketball boxing sparring burpees session "
    "swimming bike biking rowing tennis football squash dancing zumba hike hiking "
    "laps lap rep reps repeats interval hill athletics sprinted".split()
)
# Exercise this many words before a pulse counts too, unless the pulse is said to be at rest.
EXERCISE_BEFORE = 8
# ... and this many after it ("190. Was doing hill sprints"), or up to EXERCISE_AFTER in its
# sentence ("185 at the top of a long steep climb").
EXERCISE_NEXT = 5
EXERCISE_AFTER = 8
# Words that deny the exercise after them ("185 without any exercise" is a pulse at rest).
_NO_EXERCISE = frozenset("without no not havent hasnt hadnt didnt wasnt werent never".split())
NO_EXERCISE_REACH = 3
_AT_REST = frozenset("rest resting sitting lying asleep sleeping bed sofa couch".split())
_SATS_WORDS = frozenset("sats sat spo o o2 oxygen saturation saturations sao2 oximeter ox".split())
_BP_WORDS = frozenset({"bp", "pressure", "systolic", "reading", "blood"})
_KIDNEY_WORDS = frozenset({"gfr", "egfr", "function", "kidney", "kidneys"})
# Blood levels other than kidney function, named just before their number ("magnesium 0.88").
_OTHER_LABS = frozenset(
    "magnesium mg mag calcium potassium sodium phosphate iron ferritin vitamin b12 folate "
    "glucose sugar hba1c tsh creatinine urea".split()
)
_TIME_UNITS = frozenset(
    "years year yrs yr months month weeks week wks days day hours ago decades".split()
)
# A dose repeated within one day ("8 times today"), after a taking word.
_REPEAT_WHEN = frozenset("today tonight yesterday since in this".split())
_TAKE_WORDS = frozenset(
    "took taken take taking had swallowed popped magnesium mag mags dose doses pills "
    "tablets gummies it".split()
)
_RECHECK_WORDS = frozenset(
    "next again second repeat repeated recheck rechecked retook retested redid remeasured".split()
)
# Warming cold fingers before an oxygen reading is a recheck too ("warmed them, 97 now").
_SATS_RECHECK_WORDS = _RECHECK_WORDS | frozenset("warmed warming rewarmed".split())
# A pulse taken again by hand or on a second go ("my manual pulse is 72").
_PULSE_RECHECK_WORDS = _RECHECK_WORDS | frozenset("manual manually counted".split())
# Words after "beats" that make a number a difference ("20 beats higher"), not a pulse.
_COMPARED = frozenset("higher lower more less faster slower above below".split())
# Units that make a number no blood pressure: a pulse ("88 bpm") or a blood sugar.
_NOT_PRESSURE_UNITS = frozenset("bpm beats mg mgdl mmol".split())
# A low top number this high, in a trained athlete with no symptom, is their normal.
ORDINARY_LOW_SYSTOLIC = 80
_MG_UNITS = frozenset("mg mgs milligrams".split())
_STRENGTH_UNITS = frozenset("mg mgs milligrams mcg ug g grams ml iu".split())
_MONTHS = frozenset({"month", "months", "mo", "mth", "mths", "mos"})
_YEARS = frozenset({"year", "years", "yr", "yrs", "y"})


# Numbers people spell out ("my two year old", "took twenty tablets").
_WORD_NUMBERS = {
    word: float(value)
    for value, word in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen "
        "fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
    )
} | {"thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0, "seventy": 70.0}
_WORD_NUMBERS |= {"eighty": 80.0, "ninety": 90.0, "hundred": 100.0, "dozen": 12.0}
_TENS = frozenset("twenty thirty forty fifty sixty seventy eighty ninety".split())


def _numbers(tokens: Sequence[_Token]) -> list[tuple[int, float]]:
    """The numbers of a message by position; "thirty six" (or "thirty-six") is one number,
    36, at the position of its last word."""
    found: list[tuple[int, float]] = []
    for position, token in enumerate(tokens):
        value = _number(token.text)
        if value is None:
            continue
        follows_tens = found and found[-1][0] == position - 1
        if follows_tens and tokens[position - 1].text in _TENS and 1 <= value <= 9:
            found[-1] = (position, found[-1][1] + value)
            continue
        found.append((position, value))
    return _uncorrected(tokens, found)


# "I meant 65" / "I meant to type 65": a number the writer gives in place of one said before.
_MEANT = frozenset({"meant", "mean"})
_MEANT_TO = frozenset({"say", "type", "write", "put"})
# The number such a correction replaces is the last one this many words before it.
CORRECTED_REACH = 12


def _uncorrected(
    tokens: Sequence[_Token], found: Sequence[tuple[int, float]]
) -> list[tuple[int, float]]:
    """The numbers the message still stands by: not one denied just before it ("pulse was 65
    not 165", "not 165 but 65"); a correction to a larger one keeps it ("20 not 2")."""
    return [
        (position, value)
        for position, value in found
        if not (position > 0 and _denies_a_number(tokens, position - 1))
    ]


def _denies_a_number(tokens: Sequence[_Token], position: int) -> bool:
    """Is the word at `position` a "not" just before a number ("65 not 165")?"""
    if position >= len(tokens):
        return False
    following = tokens[position + 1].text if position + 1 < len(tokens) else ""
    return tokens[position].text == "not" and _number(following) is not None


def _corrections_applied(tokens: Sequence[_Token]) -> list[_Token]:
    """The message with each number the writer corrects ("pulse 165. sorry, I meant 65") read
    as the number meant, in its place: what was said about the first (a pulse, a count of
    tablets) now holds for the second, whether lower or higher ("pulse 65, I meant 165")."""
    fixed = list(tokens)
    for cue, token in enumerate(tokens):
        if token.text not in _MEANT or cue == 0 or tokens[cue - 1].text != "i":
            continue
        after = [t.text for t in tokens[cue + 1 : cue + 4]]
        said = cue + 1
        if after[:1] == ["to"] and _MEANT_TO.intersection(after[1:2]):
            said = cue + 3
        if said >= len(tokens) or _number(tokens[said].text) is None:
            continue
        earlier = [
            p
            for p in range(max(0, cue - CORRECTED_REACH), cue)
            if _number(tokens[p].text) is not None
            and tokens[max(0, p - 1)].text not in {"/", "over"}
        ]
        if not earlier:
            continue
        fixed[earlier[-1]] = _Token(tokens[said].text, False)
        bottom, new_bottom = earlier[-1] + 2, said + 2
        if _reading_after(tokens, earlier[-1]) and _reading_after(tokens, said):
            fixed[bottom] = _Token(tokens[new_bottom].text, False)  # "80/50, I meant 120/80"
    return fixed


def _number(text: str) -> float | None:
    if not text[:1].isdigit():
        return _WORD_NUMBERS.get(text)
    try:
        return float(text.replace(",", ""))
    except ValueError:
        return None
