"""/ask on everyday wordings: one or more questions per general ranking fix, in new words.

Written for the fixes made after the eighteenth and nineteenth writers' batches
(tests/ask_eval.yaml); none of these is an evaluation question. Each asserts the FAQ entry
served, or a refusal for messages about something other than magnesium and health.
"""

from __future__ import annotations

import pytest

from content.answering import Answerer, AnswerKind
from content.answering.synonyms import SynonymMap
from content.library import Library


@pytest.fixture(scope="module")
def answerer(library: Library) -> Answerer:
    return Answerer.build(library)


def _served(answerer: Answerer, text: str) -> str | None:
    answer = answerer.answer(text)
    return answer.entry.id if answer.kind is AnswerKind.ANSWER and answer.entry else None


@pytest.mark.parametrize(
    ("text", "faq"),
    [
        # Brand and generic names of stomach-acid medicines, antacids and antibiotics.
        ("does lansoprazole use up my magnesium", "medicines-that-lower-magnesium"),
        ("my pantoprazole and low magnesium, any link", "medicines-that-lower-magnesium"),
        ("do tums have magnesium in them", "magnesium-laxatives-and-antacids"),
        ("magnesium with amoxicillin ok?", "magnesium-and-antibiotics"),
        # "when" is a stopword: the timing wordings carry the question.
        ("when do i take magnesium, am or pm", "best-time-to-take-magnesium"),
        ("what time should magnesium be taken", "best-time-to-take-magnesium"),
        # Heart-rhythm words, everyday and medical.
        ("does magnesium keep a regular heartbeat", "magnesium-heart-rhythm"),
        ("can magnesium help keep a steady heartbeat", "magnesium-heart-rhythm"),
        # Everyday words for stress.
        ("im so on edge lately, can magnesium take the edge off", "magnesium-for-anxiety"),
        # Cramp wordings: "seize up", "locking up".
        ("calves seizing up when im in bed, why", "night-leg-cramps"),
        # "kinds" is a word, not a typo of "kids".
        (
            "too many kinds of magnesium on the shelf, which form is best",
            "best-magnesium-supplement-form",
        ),
        # The second "milk" of "milk of magnesia ... milk" is still the laxative.
        ("does milk of magnesia have any milk in it", "milk-of-magnesia"),
        # Grandparents by their family names.
        ("can my nana take magnesium with her kidney disease", "magnesium-kidney-disease"),
        # Blood-test words.
        ("what serum magnesium result is normal", "magnesium-blood-test"),
        # Stress in everyday words.
        ("feeling really wound up, is magnesium calming", "magnesium-for-anxiety"),
        # Wrong words for the right thing: a "knot" in the calf is a cramp.
        ("do these knots in my calves at night mean low magnesium", "night-leg-cramps"),
        # An eyelid that "jumps" or "flickers" twitches.
        ("eyelid jumping on and off all week, low magnesium?", "eye-twitching"),
        ("my eye keeps flickering, is that a mineral thing like magnesium", "eye-twitching"),
        # "keeps" says something goes on, not where magnesium is stored.
        ("my calf keeps cramping when im in bed, why", "night-leg-cramps"),
        # Cholesterol and osteoporosis medicines by generic or brand name.
        ("taking simvastatin and my legs ache, could magnesium help", "statins-and-muscle-pain"),
        (
            "how far apart should alendronate and magnesium be",
            "magnesium-and-osteoporosis-medicines",
        ),
        # "overdo" without food is about supplements.
        ("is it possible to overdo magnesium pills", "can-you-take-too-much-magnesium"),
        # Sports by name count as exercise.
        ("my legs cramp up late in basketball games, why", "cramps-during-exercise"),
        # "a metal or a vitamin" asks what magnesium is.
        ("is magnesium a vitamin", "what-is-magnesium"),
        # "charley horse" is still a cramp, though a horse alone is an animal.
        ("charley horse in my calf last night, magnesium?", "night-leg-cramps"),
        # Twenty-fifth writer's fixes. Myths framed by where they were heard: "is it true",
        # "my friend swears", "saw on tiktok" carry no topic.
        ("saw on tiktok that saunas strip your magnesium", "sweat-and-magnesium"),
        ("my friend swears magnesium helps migraines, is it true", "magnesium-for-migraine"),
        # "keep" is not "stored": "my toes keep cramping" says it goes on.
        ("why do my toes keep cramping at night", "night-leg-cramps"),
        # Calming-pill nicknames are anxiety words.
        ("can magnesium be a natural valium for stress", "magnesium-for-anxiety"),
        # A possessive is its word, not a typo of another ("gran's" is not "grains").
        ("my gran's legs cramp every night, is it her age", "night-cramps-older-adults"),
        # Brand names of antacids, in a statement.
        (
            "i chew rennie every day for heartburn, magnesium in them?",
            "magnesium-laxatives-and-antacids",
        ),
        # Pins and needles, meat-free diets.
        ("pins and needles in my feet, is my magnesium low", "signs-of-magnesium-deficiency"),
        ("eating no meat, which foods give me magnesium", "vegan-magnesium-sources"),
        # Twenty-eighth writer's fixes: British words for worn out, medicines by name,
        # dietitians, "absorption", porridge, weak kidneys, bone strength.
        (
            "feeling totally shattered every afternoon, could it be low magnesium",
            "tired-and-weak-low-magnesium",
        ),
        ("is it safe to take magnesium alongside my metformin", "magnesium-with-medicines"),
        ("are you a registered dietitian", "is-magbot-a-doctor"),
        ("does magnesium absorption drop as you get older", "magnesium-absorption"),
        ("what should i stir into my porridge for extra magnesium", "magnesium-breakfast-ideas"),
        (
            "my dad's kidneys are weak, is a magnesium supplement a bad idea",
            "magnesium-kidney-disease",
        ),
        ("can magnesium help keep my bones strong", "magnesium-and-bones"),
        # Whether dehydration causes cramps is a question about a cause, not a report of
        # dehydration: the FAQ answers it, with no conditional urgent advice.
        ("can dehydration give you muscle cramps", "dehydration-and-electrolytes"),
        ("does being dehydrated cause cramping in the legs", "dehydration-and-electrolytes"),
    ],
)
def test_everyday_wordings_find_their_entry(answerer: Answerer, text: str, faq: str) -> None:
    assert _served(answerer, text) == faq


@pytest.mark.parametrize(
    "text",
    [
        # Non-health uses of magnesium: gardens, aquariums, alloys, fireworks, chemistry.
        "should i sprinkle epsom salt around my roses",
        "how do i raise magnesium in a fish tank with coral",
        "are magnesium alloy bike wheels strong",
        "why do fireworks use magnesium",
        "how many electrons does magnesium have",
        # Other nutrients and supplements, with no mention of magnesium.
        "signs of low iron in women",
        "is melatonin safe every night",
        "how much collagen per day for joints",
        "how many calories in a bowl of porridge",
        # A one-word wording ("help") is no perfect match for a question that has the word.
        "can turmeric help my knees",
        # Animals, camping gear, batteries, trade and mining: magnesium outside human health.
        "is magnesium safe for my puppy",
        "magnesium supplement for my horse",
        "magnesium flint for lighting a campfire",
        "how long do magnesium batteries last",
        "which countries produce the most magnesium metal",
        "magnesium wholesale price per tonne",
        # Other vitamins asked alone.
        "what dose of vitamin b6 is safe",
        "how much vitamin b12 a day for an adult",
        "best multivitamin for women",
        "folic acid before pregnancy how much",
        # Twenty-fifth writer's fixes: protein and cholesterol asked alone, other minerals,
        # chemistry and industry, fire, pets and farm animals, plants, sports results.
        "how many grams of protein a day to bulk up",
        "best way to bring my cholesterol down",
        "foods rich in potassium",
        "what is the melting point of magnesium",
        "how do you extinguish burning magnesium",
        "is magnesium used in the car industry",
        "can i give my rabbit magnesium",
        "magnesium for my potted plants",
        "which team is top of the football league",
        # Twenty-eighth writer's fixes: plants, de-icing, baking.
        "why do plants need magnesium for photosynthesis",
        "magnesium chloride for melting snow on the pavement",
        "easy recipe for a chocolate cake",
    ],
)
def test_near_miss_messages_are_refused(answerer: Answerer, text: str) -> None:
    answer = answerer.answer(text)
    assert answer.entry is None, (text, answer.entry.id if answer.entry else None)


def test_nutrient_words_do_not_refuse_a_question_that_names_magnesium(answerer: Answerer) -> None:
    assert _served(answerer, "should i take magnesium and zinc together") == "magnesium-and-zinc"


def test_a_compound_name_keeps_its_later_words_from_counting_alone() -> None:
    synonyms = SynonymMap(extra=[("milk", "food"), ("milk", "dairy")])
    assert "dairy" not in synonyms.expand(["milk", "of", "magnesia", "is", "it", "milk"])
    assert "dairy" in synonyms.expand(["is", "it", "milk"])


# Fixes made after the nineteenth writer's batch ("people who are not sure how to ask").


def test_a_synonym_head_already_in_the_message_is_not_added_twice() -> None:
    synonyms = SynonymMap(groups={"vitamin": ("vitamins", "b 12")})
    assert synonyms.expand(["vitamin", "b", "12"]).count("vitamin") == 1
    assert synonyms.expand(["b", "12"]).count("vitamin") == 1
