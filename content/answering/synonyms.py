"""Synonym groups: every wording of a concept also adds the group's head word.

Expansion (keeping the original word and adding the head) rather than replacement keeps
specific words specific: "twitch" still points at the eye-twitching entry most strongly,
while also counting as a kind of cramp.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

from content.answering.normalise import words
from content.enums import CATEGORY_LABELS
from content.library import Library

# head word -> the wordings people use for it (folded as `normalise.words` folds text).
SYNONYM_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "magnesium": ("mg", "mag", "magnesiums", "magnesium's"),
        "cramp": (
            "cramps",
            "cramping",
            "cramped",
            "crampy",
            "spasm",
            "spasms",
            "spasming",
            "charley horse",
            "charley horses",
            "charlie horse",
            "charlie horses",
            "twitch",
            "twitches",
            "twitching",
            "twitchy",
            "locks up",
            "seizes up",
            "seize up",
            "seizing up",
            "seized up",
            "lock up",
            "locking up",
            "knots up",
            # Wrong words for the right thing: "calf knots every night".
            "knot",
            "knots",
            "knotted",
        ),
        # "Being dehydrated" is the FAQ's "dehydration".
        "dehydration": ("dehydrated", "dehydrate", "dehidrated", "dehydration's"),
        # An eyelid that "jumps" or "flickers" is the same twitch.
        "twitch": (
            "eye jumping",
            "eyelid jumping",
            "eyelid jumps",
            "eye jumps",
            "flicker",
            "flickers",
            "flickering",
            "eyelid fluttering",
            "eyelid flutters",
        ),
        # Cholesterol medicines by their generic and brand names.
        "statin": (
            "statins",
            "atorvastatin",
            "simvastatin",
            "rosuvastatin",
            "pravastatin",
            "lipitor",
            "crestor",
            "zocor",
        ),
        # Osteoporosis medicines by their generic and brand names.
        "bisphosphonate": (
            "bisphosphonates",
            "alendronate",
            "alendronic",
            "fosamax",
            "risedronate",
            "actonel",
            "ibandronate",
            "boniva",
        ),
        # Other vitamins, so that a question about one of them alone reads as another topic.
        "vitamin": (
            "vitamins",
            "multivitamin",
            "b 12",
            "b 6",
            "folate",
            "folic acid",
        ),
        "weak": (
            "weakness",
            "tired",
            "tiredness",
            "fatigue",
            "fatigued",
            "exhausted",
            "exhaustion",
            "wiped out",
            "sluggish",
            "lethargic",
            "lethargy",
            "no energy",
            "drained",
            "worn out",
            # British and casual words for worn out.
            "knackered",
            "shattered",
            "zonked",
            "burnt out",
            "burned out",
            "run down",
            "rundown",
        ),
        "excess": (
            "too much",
            "too many",
            "overdose",
            "overdosed",
            "overdosing",
            "toxic",
            "toxicity",
            "hypermagnesemia",
            "hypermagnesaemia",
            "excessive",
            "overdo",
        ),
        "deficiency": (
            "low",
            "deficient",
            "lacking",
            "lack",
            "hypomagnesemia",
            "hypomagnesaemia",
            "not enough",
            "shortage",
            "depleted",
            "deplete",
            "depletes",
            "depleting",
            "depletion",
            "drain",
            "drains",
            "draining",
        ),
        "diarrhoea": (
            "diarrhea",
            "diarrhoea",
            "the runs",
            "loose stools",
            "upset stomach",
            "tummy",
            "poop",
            "toilet",
            "loo",
            "bathroom",
        ),
        "sleep": ("insomnia", "bedtime", "before bed", "sleeping", "asleep"),
        "supplement": (
            "supplements",
            "pill",
            "pills",
            "tablet",
            "tablets",
            "capsule",
            "capsules",
            "gummies",
            "supplementing",
            "supplement",
        ),
        "food": ("foods", "eat", "eating", "diet", "meal", "meals"),
        "child": (
            "children",
            "kid",
            "kids",
            "teen",
            "teens",
            "teenager",
            "teenage",
            "toddler",
            "son",
            "daughter",
        ),
        "baby": ("babies", "infant", "infants", "newborn", "month old"),
        "pregnancy": (
            "pregnant",
            "breastfeeding",
            "nursing",
            "lactation",
            "weeks pregnant",
            "expecting a baby",
            "trimester",
        ),
        "doctor": (
            "gp",
            "physician",
            "clinician",
            "nutritionist",
            "dietitian",
            "dietician",
        ),
        "medicine": (
            "medicines",
            "medication",
            "medications",
            "meds",
            "drug",
            "drugs",
            "prescription",
            "prescriptions",
            # Everyday medicines people name instead of saying "my medication".
            "levothyroxine",
            "thyroxine",
            "synthroid",
            "metformin",
            "warfarin",
            "amlodipine",
            "lisinopril",
            "ramipril",
            "gabapentin",
        ),
        "exercise": (
            "workout",
            "workouts",
            "gym",
            "training",
            "sport",
            "sports",
            "leg day",
            "active",
            "activity",
            # Sports by name ("cramp at the end of soccer games"); not "run", which is
            # also a dash to the toilet.
            "soccer",
            "football",
            "basketball",
            "tennis",
            "rugby",
            "hockey",
            "netball",
            "cycling",
            "hiking",
            "swimming",
            "jogging",
            "marathon",
            "yoga",
            "running",
            "runner",
            "runners",
            "race",
            "races",
            "triathlon",
        ),
        # "absorption" does not stem to "absorb".
        "absorb": ("absorption", "uptake", "bioavailability", "bioavailable"),
        "sore": ("soreness", "aching", "ache", "achy", "doms"),
        "kidney": ("kidneys", "renal"),
        "alcohol": ("booze", "beer", "beers", "wine", "drinking", "drinker", "drunk"),
        "vegan": (
            "vegetarian",
            "plant based",
            "plantbased",
            "no meat",
            "meat free",
            "meatless",
            "without meat",
        ),
        # Ways of saying a food has a lot of something.
        "rich": ("rich in", "loaded with", "packed with", "full of", "richest"),
        "leg": ("legs", "calf", "calves"),
        "night": ("nite", "nighttime", "nights", "in bed"),
        "elderly": (
            "older people",
            "old age",
            "seniors",
            "grandma",
            "grandpa",
            "gran",
            "granny",
            "grandmother",
            "grandfather",
            "nan",
            "nana",
            "nanna",
            "grandad",
            "grandparent",
            "grandparents",
            "aging",
            "ageing",
        ),
        "chocolate": ("choc", "cocoa", "cacao"),
        # Not "grow"/"growth": a child's growth is not muscle repair (content review W5).
        "repair": ("heal", "healing", "rebuild", "gains", "build muscle"),
        # Not "keeps": "my eye keeps twitching" says it goes on, not where it is stored.
        # Nor "keep": "my muscles keep cramping" says it goes on.
        "stored": ("store", "stores", "storage", "kept"),
        "link": ("connection", "relationship", "linked", "connected"),
        "antacid": (
            "antacids",
            "heartburn",
            "indigestion",
            "acid reflux",
            # Brand names people use for them.
            "rennie",
            "rennies",
            "gaviscon",
            "tums",
            "maalox",
            "rolaids",
            "mylanta",
        ),
        # Stomach-acid medicines (proton-pump inhibitors) by their everyday names.
        "ppi": (
            "ppis",
            "omeprazole",
            "esomeprazole",
            "lansoprazole",
            "pantoprazole",
            "nexium",
            "prilosec",
            "losec",
            "proton pump inhibitor",
            "proton pump inhibitors",
        ),
        "diuretic": (
            "diuretics",
            "water pill",
            "water pills",
            "water tablets",
            "furosemide",
            "lasix",
            "bendroflumethiazide",
            "hydrochlorothiazide",
            "thiazide",
        ),
        "antibiotic": (
            "antibiotics",
            "amoxicillin",
            "penicillin",
            "doxy",
            "ciprofloxacin",
            "levofloxacin",
            "clarithromycin",
            "azithromycin",
        ),
        # "which type of magnesium" is "which form".
        "form": ("forms", "type", "types"),
        # When to take it: "when" itself is a stopword, so the timing words carry it.
        "time": (
            "timing",
            "when to take",
            "when should i take",
            "when do i take",
            "when should you take",
            "what time",
            "time of day",
        ),
        "heartbeat": (
            "heart rhythm",
            "heart beat",
            "heartbeats",
            "arrhythmia",
            "afib",
            "atrial fibrillation",
            "irregular heartbeat",
            "palpitations",
        ),
        "hypertension": ("bp", "high blood pressure"),
        "urine": ("pee", "peeing", "wee", "urinating"),
        # Pins and needles in everyday words.
        "tingling": ("tingly", "tingle", "tingles", "pins and needles"),
        # Not feeling like eating.
        "appetite": ("not hungry", "no appetite", "off my food", "off food"),
        # Places and workouts where people sweat a lot.
        "sweat": (
            "sweating",
            "sweaty",
            "sweats",
            "sauna",
            "saunas",
            "steam room",
            "hot yoga",
            "bikram",
        ),
        "anxiety": (
            "anxious",
            "stress",
            "stressed",
            "nervous",
            "panic",
            "panicky",
            "wound up",
            "on edge",
            "uptight",
            "frazzled",
            "xanax",
            "calm me down",
            # Calming pills and their nicknames: "is magnesium nature's valium".
            "chill pill",
            "chill out",
            "relaxant",
            "tranquiliser",
            "tranquilizer",
            "valium",
            "diazepam",
        ),
        "faint": (
            "fainted",
            "fainting",
            "passed out",
            "pass out",
            "passing out",
            "blacked out",
            "collapsed",
        ),
    }
)


# Names whose words must not count on their own: "milk of magnesia" is a laxative, not milk
# (content review D5). The wording is replaced by its head instead of expanded.
COMPOUND_GROUPS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "magnesia": ("milk of magnesia", "milk of magnesium", "milk of mag"),
        # A dash to the toilet is not a run: "keep running to the loo" is diarrhoea.
        "diarrhoea": (
            "running to the loo",
            "running to the toilet",
            "running to the bathroom",
            "run to the loo",
            "run to the toilet",
            "run to the bathroom",
        ),
    }
)


class SynonymMap:
    """Adds head words for every synonym wording found in a word list."""

    def __init__(
        self,
        groups: Mapping[str, Sequence[str]] = SYNONYM_GROUPS,
        extra: Iterable[tuple[str, str]] = (),
        compounds: Mapping[str, Sequence[str]] = COMPOUND_GROUPS,
    ) -> None:
        """`extra` adds (wording, head) pairs, e.g. food names from the content library."""
        self._compounds: Mapping[tuple[str, ...], str] = MappingProxyType(
            {tuple(words(w)): head for head, group in compounds.items() for w in group}
        )
        heads: dict[tuple[str, ...], list[str]] = {}
        pairs = [(wording, head) for head, group in groups.items() for wording in (head, *group)]
        for wording, head in [*pairs, *extra]:
            key = tuple(words(wording))
            if key and head not in heads.setdefault(key, []):
                heads[key].append(head)
        self._heads: Mapping[tuple[str, ...], tuple[str, ...]] = MappingProxyType(
            {key: tuple(found) for key, found in heads.items()}
        )
        self._longest = max(len(key) for key in [*heads, *self._compounds])

    @property
    def wordings(self) -> frozenset[str]:
        """Every single word that appears in some wording, for the typo corrector's vocabulary."""
        keys = [*self._heads, *self._compounds]
        return frozenset(word for key in keys for word in key) | frozenset(self._compounds.values())

    def expand(self, found: Sequence[str]) -> list[str]:
        """`found` plus the head words of each synonym wording in it, each head once.

        A compound name ("milk of magnesia") is replaced by its head, so its words do not
        count on their own.
        """
        found, named = self._replace_compounds(found)
        added: list[str] = []
        for start in range(len(found)):
            for size in range(1, self._longest + 1):
                span = found[start : start + size]
                if len(span) < size:
                    break  # past the end of the message
                if size == 1 and span[0] in named:
                    # "milk of magnesia, is it actually milk": the second "milk" is still
                    # the laxative, not a dairy food.
                    continue
                for head in self._heads.get(tuple(span), ()):
                    if head not in found and head not in added:
                        added.append(head)
        return [*found, *added]

    def _replace_compounds(self, found: Sequence[str]) -> tuple[list[str], frozenset[str]]:
        """The words with compound names replaced, and the words of the names replaced."""
        if not self._compounds:
            return list(found), frozenset()
        out: list[str] = []
        named: set[str] = set()
        start = 0
        while start < len(found):
            for size in range(self._longest, 0, -1):
                head = self._compounds.get(tuple(found[start : start + size]))
                if head is not None:
                    out.append(head)
                    named.update(found[start : start + size])
                    start += size
                    break
            else:
                out.append(found[start])
                start += 1
        return out, frozenset(named) - set(self._compounds.values())


def food_synonyms(library: Library) -> list[tuple[str, str]]:
    """Foods stand for "food" and their category ("almonds" -> food, nuts).

    A name's first part and each alias count as whole wordings ("pumpkin seeds"), so the
    words in them ("hemp hearts") never stand for food on their own.
    """
    pairs: list[tuple[str, str]] = []
    for food in library.foods:
        category = CATEGORY_LABELS[food.category].split()[0].strip(",").lower()
        for name in (food.name.split(",")[0].split("(")[0], *food.aliases):
            wording = " ".join(word for word in words(name) if word.isalpha())
            if wording:
                pairs += [(wording, "food"), (wording, category)]
    return pairs
