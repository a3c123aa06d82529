"""The FAQ index: one analyser for entries and questions alike, and BM25 over the entries."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import bm25s
import numpy as np
import numpy.typing as npt
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from Stemmer import Stemmer

from content.answering.normalise import is_content_word, words
from content.answering.synonyms import SynonymMap
from content.library import Library
from content.models import FaqEntry

# Typos are corrected only in words this long: shorter words are too often another word
# ("rain" is one letter from "pain"), and short typos rarely survive as a sole topic word.
MIN_CORRECTABLE = 5
# Words this long may have two letters out of order and still be corrected.
LONG_WORD = 7

# How much each field of an entry counts, by repetition in its BM25 document. The curated
# question, phrasings and keywords say what the entry is about; the answer adds the
# vocabulary people use when they describe the topic in their own words.
FIELD_WEIGHTS = {"question": 2, "phrasings": 1, "keywords": 2, "answer": 1}

# An entry is "about magnesium and X" when nearly all its wordings name magnesium (migraine,
# blood pressure, bones...). A question that never names magnesium is then more likely about
# X in general ("migraine remedies", "vitamin b12 deficiency symptoms"), so coverage, and
# with it confidence, is scaled down. Entries about a symptom or situation (cramps at night,
# calf pain, emergencies) have wordings without magnesium and are not affected.
# Words that only ever mean a magnesium product here ("is threonate worth it") count as
# naming magnesium, as do the laxative and bath-salt names.
ANCHOR_WORDS = frozenset(
    [
        "magnesium",
        "glycinate",
        "bisglycinate",
        "citrate",
        "threonate",
        "malate",
        "taurate",
        "magnesia",
        "epsom",
    ]
)
ANCHORED_SHARE = 0.85
ANCHOR_MISSING_FACTOR = 0.5
# The share of that reduction applied to the fuzzy wording overlap as well.
ANCHOR_OVERLAP_SHARE = 0.5

# Words that put a question in another topic than magnesium and health, in two kinds.
# Other nutrients and supplements ("low ferritin symptoms", "does melatonin help jet lag"):
# they only count when the question never names magnesium, since "zinc or magnesium for
# sleep" is a fair question. Non-health uses of magnesium (gardens, aquariums, alloys,
# fireworks, chemistry lessons) count even when magnesium is named: "epsom salt for tomato
# plants" is not about drinking it. Either kind scales confidence down, unless the entry's
# own curated wordings use the word (the zinc entry for "zinc").
OTHER_NUTRIENTS = frozenset(
    """iron ferritin melatonin collagen creatine ashwagandha protein whey calorie calories
    kcal keto omega turmeric biotin probiotic probiotics caffeine testosterone
    cholesterol vitamin selenium iodine copper chromium glutamine bcaa bcaas spirulina
    elderberry echinacea ginseng coq10 fibre fiber carbs carbohydrate carbohydrates potassium
    sodium calcium""".split()
)
# Everyday topics that share a word with some entry ("banana bread recipe", "carrot cake"):
# like other nutrients, they count only when the question never names magnesium, so
# "a magnesium-rich recipe" stays a fair question. Not "game": "cramp late in the game".
OTHER_TOPICS = frozenset("""recipe recipes cake cakes muffin muffins""".split())
OTHER_USES = frozenset(
    """garden gardening soil tomato tomatoes roses lawn fertiliser fertilizer compost
    houseplant houseplants seedlings aquarium aquariums reef coral alloy alloys wheel
    wheels rims firework fireworks sparkler sparklers flare flares ribbon welding anode
    atomic periodic isotope isotopes electrons battery batteries starter firestarter
    camping tinder flint dog dogs puppy cat cats kitten horse horses pony pet pets vet
    livestock cattle kilo kilos kilogram tonne tonnes wholesale mining mined countries
    won winner league fixture fixtures tickets flame flames extinguish extinguisher
    workshop chemistry experiment experiments industrial industry factory manufacturing
    smelting smelter ore aerospace aircraft engine engines corrosion casting parrot
    budgie hamster rabbit rabbits tortoise reptile reptiles lizard goat goats sheep hens
    poultry crops crop hydroponic hydroponics greenhouse orchid orchids succulents
    fertilise fertilize plants potted cement concrete nonmetal melting boiling flammable
    laying chlorophyll photosynthesis driveway driveways deicer deicing pavement pavements
    sidewalk sidewalks snow gritting champions championship playoff playoffs
    desiccant reagent solvent titration""".split()
)
# "charley horse" is a cramp, not an animal.
HORSE_CRAMP = frozenset(Stemmer("english").stemWords(["charley", "charlie"]))
FOREIGN_FACTOR = 0.75

# "you"/"your" are kept as words for questions about the bot ("are you a doctor"), but in an
# answer's prose they are everywhere ("your muscles"), so answers do not index them.
ANSWER_SKIPPED = frozenset({"you", "your"})

# Chat words that carry no topic, on top of `normalise.STOPWORDS` ("sorry, dumb question").
# They are known words too, so the typo corrector leaves them alone ("sorry" is not "worry").
EXTRA_FILLER = frozenset(
    [
        "sorry",
        "dumb",
        "stupid",
        "silly",
        "basically",
        "literally",
        "honestly",
        "wondering",
        "curious",
        # "ur muscles": the bot's own about-entries are found by "you", not by "your".
        "your",
        # "so many kinds of magnesium": known words, so never corrected to "kids".
        "kind",
        "kinds",
        "sort",
        "sorts",
        # How people frame a myth they heard: the claim is the topic, not where it came
        # from ("is it true ...", "my friend swears ...", "saw on tiktok that ...").
        "true",
        "swear",
        "swears",
        "heard",
        "apparently",
        "supposedly",
        "friend",
        "friends",
        "tiktok",
        "instagram",
        "youtube",
        "reddit",
        "influencer",
        "influencers",
        "saw",
        "saying",
        "said",
        "reckon",
        "reckons",
        "video",
        "videos",
    ]
)

# Words that say how the asker feels about a topic, not what the topic is ("is magnesium
# good for cramps" is about cramps, not about "good" foods). Their weight is scaled down in
# the curated-field signals, where a rare word would otherwise outweigh the topic words.
WEAK_WORDS = frozenset(
    ["good", "bad", "best", "better", "worse", "worst", "great", "worth", "tell", "thing", "want"]
)
WEAK_FACTOR = 0.25
# A keyword phrase that the question matches only in part counts this much.
PARTIAL_KEYWORD = 0.5
ANCHOR_STEMS = frozenset(Stemmer("english").stemWords(sorted(ANCHOR_WORDS)))
WEAK_STEMS = frozenset(Stemmer("english").stemWords(sorted(WEAK_WORDS)))
NUTRIENT_STEMS = frozenset(Stemmer("english").stemWords(sorted(OTHER_NUTRIENTS | OTHER_TOPICS)))
OTHER_USE_STEMS = frozenset(Stemmer("english").stemWords(sorted(OTHER_USES)))
# Other vitamins are another topic even for an entry that mentions them in passing ("my son
# got into my vitamins"), when the question never names magnesium.
# The same for protein and cholesterol: "how much protein to build muscle" and "lowering
# cholesterol naturally" are other topics, though the repair and statin entries name them.
ALWAYS_FOREIGN_STEMS = frozenset(
    Stemmer("english").stemWords(["vitamin", "protein", "cholesterol"])
)
HORSE_STEMS = frozenset(Stemmer("english").stemWords(["horse", "horses"]))


class Analyzer:
    """Folding, typo correction, synonyms, stopwords and stemming, in that order."""

    def __init__(self, stemmer: Stemmer, synonyms: SynonymMap, vocabulary: Counter[str]) -> None:
        self.stemmer = stemmer
        self.synonyms = synonyms
        # Most frequent first: when two words are equally close, the commoner one wins.
        # The foreign-topic words too: "starter" must not become "started".
        self._known = (
            frozenset(vocabulary)
            | EXTRA_FILLER
            | WEAK_WORDS
            | OTHER_USES
            | OTHER_NUTRIENTS
            | OTHER_TOPICS
        )
        self._by_frequency = [word for word, _ in vocabulary.most_common()]
        by_initial: dict[str, list[str]] = {}
        for word in self._by_frequency:
            by_initial.setdefault(word[:1], []).append(word)
        self._by_initial = {initial: tuple(found) for initial, found in by_initial.items()}

    def correct(self, word: str) -> str:
        """The known word one edit away (two for shuffled letters: "diarreah"), or `word`.

        The first letter must agree: typos rarely change it, and words that differ there are
        usually other words ("price" is not "rice", "drain" is not "train").
        """
        if word in self._known or len(word) < MIN_CORRECTABLE or not word.isalpha():
            return word
        # A possessive or plural of a known word ("my gran's legs" -> "grans") is that word,
        # not a typo of another one ("grains").
        if word.endswith("s") and word[:-1] in self._known:
            return word[:-1]
        candidates = self._by_initial.get(word[0], ())
        best = process.extractOne(word, candidates, scorer=OSA.distance, score_cutoff=1)
        if best is not None:
            return str(best[0])
        if len(word) >= LONG_WORD:
            close = process.extract(
                word, candidates, scorer=OSA.distance, score_cutoff=2, limit=None
            )
            shuffled = [str(known) for known, _, _ in close if sorted(known) == sorted(word)]
            if shuffled:
                return shuffled[0]
        return word

    def terms(self, found: Sequence[str]) -> list[str]:
        """Stems of the content words and of the synonym heads they bring in."""
        # Single letters carry no topic ("a&e" -> "a", "e"; "b12" -> "b", "12").
        content = [
            w
            for w in self.synonyms.expand(found)
            if is_content_word(w) and w not in EXTRA_FILLER and len(w) > 1
        ]
        return list(self.stemmer.stemWords(content))

    def query(self, text: str) -> Query:
        corrected = [self.correct(word) for word in words(text)]
        return Query(" ".join(corrected), self.terms(corrected))


@dataclass(frozen=True)
class Query:
    text: str  # the corrected words, for fuzzy comparison with the curated wordings
    terms: list[str]  # what BM25 sees


def vocabulary_of(library: Library, synonyms: SynonymMap) -> Counter[str]:
    """The words typos are corrected to, with their frequency.

    Questions, phrasings, keywords, food names and synonyms, but not the answers: answers use
    everyday words ("eating", "white", "move") that off-topic typos would land on.
    """
    counts: Counter[str] = Counter()
    for entry in library.faq:
        for text in (entry.question, *entry.phrasings, *entry.keywords):
            counts.update(words(text, limit=None))
    for food in library.foods:
        for text in (food.name, *food.aliases):
            counts.update(words(text, limit=None))
    counts.update(synonyms.wordings)
    return counts


def entry_text(entry: FaqEntry) -> list[tuple[str, str]]:
    """(field name, text) for each field, repeated by the field's weight."""
    fields = {
        "question": [entry.question],
        "phrasings": list(entry.phrasings),
        "keywords": list(entry.keywords),
        "answer": [entry.answer],
    }
    return [(name, text) for name, texts in fields.items() for text in texts * FIELD_WEIGHTS[name]]


@dataclass(frozen=True)
class RankSignals:
    """The curated-field signals of one question, one value in [0, 1] per entry."""

    wording: npt.NDArray[np.float64]
    curated: npt.NDArray[np.float64]
    keyword: npt.NDArray[np.float64]


@dataclass(frozen=True)
class TermSets:
    """Term sets grouped by entry (an entry's wordings, or its keywords) as an inverted
    index: which sets hold each term, each set's size and weight, and where each entry's
    sets start."""

    holding: Mapping[str, npt.NDArray[np.intp]]
    sizes: npt.NDArray[np.int64]
    weights: npt.NDArray[np.float64]
    starts: npt.NDArray[np.intp]
    empty: npt.NDArray[np.bool_]

    @classmethod
    def build(
        cls, groups: Sequence[Sequence[frozenset[str]]], weight: Mapping[str, float]
    ) -> TermSets:
        holding: dict[str, list[int]] = {}
        sets = [terms for group in groups for terms in group]
        for row, terms in enumerate(sets):
            for term in terms:
                holding.setdefault(term, []).append(row)
        counts = np.array([len(group) for group in groups], dtype=np.intp)
        return cls(
            holding=MappingProxyType(
                {term: np.array(rows, dtype=np.intp) for term, rows in holding.items()}
            ),
            sizes=np.array([len(terms) for terms in sets], dtype=np.int64),
            weights=np.array([sum(weight[term] for term in terms) for terms in sets]),
            starts=np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.intp),
            empty=counts == 0,
        )

    def shared(
        self, weights: Mapping[str, float]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
        """Per set: the summed weight of the question's terms it holds, and how many."""
        shared = np.zeros(len(self.sizes))
        found = np.zeros(len(self.sizes), dtype=np.int64)
        for term, value in weights.items():
            rows = self.holding.get(term)
            if rows is not None:
                shared[rows] += value
                found[rows] += 1
        return shared, found

    def best(self, values: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        """Per entry, the highest value among its sets (0 for an entry without sets)."""
        # One trailing 0 keeps reduceat's starts in range when the last entries have no sets.
        padded = np.append(values, 0.0)
        best = np.maximum.reduceat(padded, self.starts)[: len(self.starts)]
        best[self.empty] = 0.0
        return best


@dataclass(frozen=True)
class FaqIndex:
    entries: tuple[FaqEntry, ...]
    analyzer: Analyzer
    bm25: bm25s.BM25
    # Each entry's distinct terms, and every term's inverse document frequency.
    entry_terms: tuple[frozenset[str], ...]
    # Each entry's question and phrasings, folded, for fuzzy comparison.
    wordings: tuple[tuple[str, ...], ...]
    # The same without one-word wordings (see `wording_overlap`).
    overlap_wordings: tuple[tuple[str, ...], ...]
    idf: Mapping[str, float]
    unseen_idf: float
    # Each entry's curated fields as one term set, with idf computed over those sets.
    # Answers are left out: their everyday words would make every entry "cover" a question.
    curated_terms: tuple[frozenset[str], ...]
    # What `weight` adds for each term: its idf over those sets, scaled down for weak
    # words; a word no curated text uses (not listed) weighs `unseen_idf`.
    curated_weight: Mapping[str, float]
    # Each wording (question, phrasings) and each keyword on its own, and each entry's
    # curated set, as inverted indexes: `signals` weighs a question against all of them in
    # a few array operations, where set intersections one by one were most of ranking.
    wording_sets: TermSets
    keyword_sets: TermSets
    curated_sets: TermSets
    # Entries whose wordings nearly all name magnesium (see ANCHORED_SHARE).
    anchored: tuple[bool, ...]

    @classmethod
    def build(cls, library: Library, analyzer: Analyzer) -> FaqIndex:
        documents = [
            [
                term
                for field, text in entry_text(entry)
                for term in analyzer.terms(words(text, limit=None))
                if field != "answer" or term not in ANSWER_SKIPPED
            ]
            for entry in library.faq
        ]
        wordings = tuple(
            tuple(" ".join(words(text)) for text in (entry.question, *entry.phrasings))
            for entry in library.faq
        )
        bm25 = bm25s.BM25(k1=1.2, b=0.75)
        bm25.index(documents, show_progress=False)
        entry_terms = tuple(frozenset(doc) for doc in documents)
        frequency = Counter(term for terms in entry_terms for term in terms)
        total = len(documents)
        idf = {term: _idf(total, count) for term, count in frequency.items()}

        def term_sets(texts: Iterable[str]) -> tuple[frozenset[str], ...]:
            return tuple(frozenset(analyzer.terms(words(text, limit=None))) for text in texts)

        wording_terms = tuple(term_sets((e.question, *e.phrasings)) for e in library.faq)
        keyword_terms = tuple(term_sets(e.keywords) for e in library.faq)
        curated_terms = tuple(
            frozenset().union(*wordings_, *keywords)
            for wordings_, keywords in zip(wording_terms, keyword_terms, strict=True)
        )
        curated_frequency = Counter(term for terms in curated_terms for term in terms)
        curated_idf = {term: _idf(total, count) for term, count in curated_frequency.items()}
        unseen = _idf(total, 0)
        curated_weight = {
            term: curated_idf.get(term, unseen) * (WEAK_FACTOR if term in WEAK_STEMS else 1.0)
            for term in curated_idf.keys() | WEAK_STEMS
        }
        return cls(
            entries=tuple(library.faq),
            analyzer=analyzer,
            bm25=bm25,
            entry_terms=entry_terms,
            wordings=wordings,
            overlap_wordings=tuple(
                tuple(wording for wording in wordings_ if " " in wording) for wordings_ in wordings
            ),
            idf=MappingProxyType(idf),
            unseen_idf=unseen,
            curated_terms=curated_terms,
            curated_weight=MappingProxyType(curated_weight),
            anchored=tuple(
                sum(not ANCHOR_STEMS.isdisjoint(wording) for wording in wordings_)
                >= ANCHORED_SHARE * len(wordings_)
                for wordings_ in wording_terms
            ),
            wording_sets=TermSets.build(wording_terms, curated_weight),
            keyword_sets=TermSets.build(keyword_terms, curated_weight),
            curated_sets=TermSets.build(tuple((terms,) for terms in curated_terms), curated_weight),
        )

    def signals(self, terms: frozenset[str]) -> RankSignals:
        """`wording_match`, `curated_coverage` and `keyword_coverage` for every entry at once."""
        total = self.weight(terms)
        weights = {term: self.curated_weight[term] for term in terms if term in self.curated_weight}
        entries = len(self.entries)
        if not total or not weights:
            zeros = np.zeros(entries)
            return RankSignals(zeros, zeros, zeros)
        wording = self.wording_sets
        shared, _ = wording.shared(weights)
        dice = np.divide(
            2 * shared, total + wording.weights, out=np.zeros_like(shared), where=shared > 0
        )
        keyword = self.keyword_sets
        kept, found = keyword.shared(weights)
        # A keyword phrase counts in full only when the question has all of its words.
        kept = np.where(found == keyword.sizes, kept, kept * PARTIAL_KEYWORD)
        curated, _ = self.curated_sets.shared(weights)
        return RankSignals(
            wording=wording.best(dice),
            curated=self.curated_sets.best(curated) / total,
            keyword=keyword.best(kept) / total,
        )

    def scores(self, terms: Sequence[str]) -> npt.NDArray[np.float32]:
        known = [term for term in terms if term in self.idf]
        if not known:
            return np.zeros(len(self.entries), dtype=np.float32)
        return np.asarray(self.bm25.get_scores(known), dtype=np.float32)

    def coverage(self, terms: Iterable[str], position: int) -> float:
        """The idf-weighted share of the question's terms that the entry contains."""
        distinct = set(terms)
        total = sum(self.idf.get(term, self.unseen_idf) for term in distinct)
        if total == 0:
            return 0.0
        covered = sum(self.idf[term] for term in distinct & self.entry_terms[position])
        return covered / total * self.anchor_factor(distinct, position)

    def anchor_factor(self, terms: Iterable[str], position: int) -> float:
        """1, or less when the entry is about magnesium and the question never names it."""
        if self.anchored[position] and ANCHOR_STEMS.isdisjoint(terms):
            return ANCHOR_MISSING_FACTOR
        return 1.0

    def foreign_factor(self, terms: Iterable[str], position: int) -> float:
        """1, or FOREIGN_FACTOR when the question is about another nutrient or another use.

        Words the entry's curated fields use are not foreign to it."""
        distinct = set(terms)
        foreign = distinct & OTHER_USE_STEMS
        if not HORSE_CRAMP.isdisjoint(distinct):
            foreign -= HORSE_STEMS
        if ANCHOR_STEMS.isdisjoint(distinct):
            foreign |= distinct & NUTRIENT_STEMS
        # "horse" is curated for "charley horse" only; a horse named alone is an animal.
        foreign -= self.curated_terms[position] - ALWAYS_FOREIGN_STEMS - HORSE_STEMS
        return FOREIGN_FACTOR if foreign else 1.0

    def weight(self, terms: Iterable[str]) -> float:
        """The summed curated idf of `terms`; words no curated text uses weigh the most."""
        weights, unseen = self.curated_weight, self.unseen_idf
        return sum(weights.get(term, unseen) for term in terms)

    def curated_coverage(self, terms: frozenset[str], position: int) -> float:
        """The idf-weighted share of the question's terms found in the entry's curated fields."""
        return float(self.signals(terms).curated[position])

    def keyword_coverage(self, terms: frozenset[str], position: int) -> float:
        """The idf-weighted share of the question's terms matched by the entry's best keyword.

        A keyword is a phrase and counts in full only when the question has all of its
        words: "water pills" should not pull a question about mineral water through
        "water" alone.
        """
        return float(self.signals(terms).keyword[position])

    def wording_match(self, terms: frozenset[str], position: int) -> float:
        """The idf-weighted Dice overlap with the entry's closest wording, in [0, 1].

        Symmetric on purpose: a wording scores high only when the question covers the
        wording's topic words and the wording covers the question's, so one shared generic
        word ("good", "best") cannot carry a short wording about something else.
        """
        return float(self.signals(terms).wording[position])

    def wording_order(self, text: str, position: int) -> float:
        """Best word-order-insensitive similarity to one of the entry's wordings, in [0, 1]."""
        return _best(text, self.wordings[position], fuzz.token_sort_ratio)

    def wording_overlap(self, text: str, position: int) -> float:
        """Best shared-words similarity to one of the entry's wordings, in [0, 1].

        Forgiving of extra words, so a long message that contains a wording scores high.
        Scaled down, like coverage, when the entry is about magnesium and the question
        never names it.
        """
        # A one-word wording ("help") is a subset of any question that has the word, which
        # token_set_ratio scores as a perfect match: only longer wordings count here.
        best = _best(text, self.overlap_wordings[position], fuzz.token_set_ratio)
        if self.anchored[position]:
            terms = self.analyzer.terms(text.split())
            factor = self.anchor_factor(terms, position)
            best *= 1 - (1 - factor) * ANCHOR_OVERLAP_SHARE
        return best


def _best(text: str, wordings: Sequence[str], scorer: Callable[..., float]) -> float:
    found = process.extractOne(text, wordings, scorer=scorer)
    return 0.0 if found is None else float(found[1]) / 100


def _idf(total: int, count: int) -> float:
    return math.log(1 + (total - count + 0.5) / (count + 0.5))
