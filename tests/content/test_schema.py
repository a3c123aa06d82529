"""Each validation rule refuses its own kind of mistake, naming file, entry and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from content import ContentError, Library, load_library
from tests.content.conftest import LoadProblems
from tests.content.datasets import Documents, locations, write_documents


def test_the_small_data_set_is_valid(docs: Documents, tmp_path: Path) -> None:
    # Every other test breaks this set in one way; it has to load cleanly to begin with.
    library = load_library(write_documents(tmp_path, docs))
    assert isinstance(library, Library)
    assert [tip.id for tip in library.tips] == ["cramps-night-legs", "sleep-glycinate"]


def test_unknown_field(docs: Documents, problems_of: LoadProblems) -> None:
    docs["tips.yaml"]["tips"][0]["colour"] = "blue"
    problems = problems_of(docs)
    assert locations(problems) == {("tips.yaml", "cramps-night-legs", "colour")}
    assert "unknown field" in problems[0].message


def test_missing_field(docs: Documents, problems_of: LoadProblems) -> None:
    del docs["foods.yaml"]["foods"][0]["mg"]
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "pumpkin-seeds", "mg")}
    assert "missing" in problems[0].message


@pytest.mark.parametrize(("file", "key"), [("tips.yaml", "tips"), ("faq.yaml", "faq")])
def test_duplicate_id(docs: Documents, problems_of: LoadProblems, file: str, key: str) -> None:
    entries = docs[file][key]
    entries[1]["id"] = entries[0]["id"]
    if key == "faq":
        # Keep the references valid so that only the duplicate is wrong.
        entries[0]["related"] = entries[1]["related"] = ["what-does-magnesium-do"]
        entries[0]["related"] = ["what-does-magnesium-do"]
    problems = problems_of(docs)
    duplicates = [p for p in problems if "duplicate id" in p.message]
    assert len(duplicates) == 1
    assert (duplicates[0].file, duplicates[0].entry_id, duplicates[0].field) == (
        file,
        entries[0]["id"],
        "id",
    )


def test_duplicate_food_id(docs: Documents, problems_of: LoadProblems) -> None:
    docs["foods.yaml"]["foods"][2]["id"] = "pumpkin-seeds"
    problems = problems_of(docs)
    assert ("foods.yaml", "pumpkin-seeds", "id") in locations(problems)


def test_related_id_must_exist(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][0]["related"] = ["no-such-entry"]
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "related")}
    assert "no-such-entry" in problems[0].message


def test_entry_cannot_relate_to_itself(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][0]["related"] = ["what-does-magnesium-do"]
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "related")}
    assert "itself" in problems[0].message


@pytest.mark.parametrize("count", [0, 4])
def test_related_count_is_one_to_three(
    docs: Documents, problems_of: LoadProblems, count: int
) -> None:
    docs["faq.yaml"]["faq"][0]["related"] = ["best-food-sources"] * count
    problems = problems_of(docs)
    assert ("faq.yaml", "what-does-magnesium-do", "related") in locations(problems)


@pytest.mark.parametrize(
    ("file", "key", "field"),
    [
        ("tips.yaml", "tips", "body"),
        ("tips.yaml", "tips", "title"),
        ("faq.yaml", "faq", "answer"),
        ("faq.yaml", "faq", "question"),
        ("foods.yaml", "foods", "name"),
    ],
)
def test_empty_or_blank_text(
    docs: Documents, problems_of: LoadProblems, file: str, key: str, field: str
) -> None:
    entry = docs[file][key][0]
    entry[field] = "   \n "
    problems = problems_of(docs)
    assert locations(problems) == {(file, entry["id"], field)}
    assert "empty" in problems[0].message


@pytest.mark.parametrize(
    ("file", "key", "field", "limit"),
    [
        ("tips.yaml", "tips", "body", 600),
        ("tips.yaml", "tips", "title", 80),
        ("faq.yaml", "faq", "answer", 900),
        ("faq.yaml", "faq", "question", 120),
    ],
)
def test_over_long_text(
    docs: Documents, problems_of: LoadProblems, file: str, key: str, field: str, limit: int
) -> None:
    entry = docs[file][key][0]
    entry[field] = "m" * (limit + 1)
    problems = problems_of(docs)
    assert locations(problems) == {(file, entry["id"], field)}
    assert f"limit is {limit}" in problems[0].message


@pytest.mark.parametrize(
    ("file", "key", "field", "limit"),
    [
        ("tips.yaml", "tips", "body", 600),
        ("tips.yaml", "tips", "title", 80),
        ("faq.yaml", "faq", "answer", 900),
        ("faq.yaml", "faq", "question", 120),
    ],
)
def test_text_at_the_limit_is_accepted(
    docs: Documents, tmp_path: Path, file: str, key: str, field: str, limit: int
) -> None:
    docs[file][key][0][field] = "m" * limit
    load_library(write_documents(tmp_path, docs))


def test_over_long_phrasing(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][0]["phrasings"][2] = "x" * 201
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "phrasings item 3")}


@pytest.mark.parametrize("bad_id", ["Night_Cramps", "night cramps", "-cramps", "a--b", "x" * 49])
def test_bad_id_format(docs: Documents, problems_of: LoadProblems, bad_id: str) -> None:
    docs["tips.yaml"]["tips"][0]["id"] = bad_id
    # Its questions would name a tip that no longer exists; only the id is under test here.
    quizzes = docs["quizzes.yaml"]["quizzes"]
    quizzes[:] = [quiz for quiz in quizzes if quiz["tip"] != "cramps-night-legs"]
    problems = problems_of(docs)
    assert locations(problems) == {("tips.yaml", bad_id, "id")}


@pytest.mark.parametrize(
    ("file", "key", "field", "value"),
    [
        ("tips.yaml", "tips", "topic", "vitamins"),
        ("tips.yaml", "tips", "source", "wikipedia"),
        ("foods.yaml", "foods", "category", "snacks"),
        ("foods.yaml", "foods", "source", "blog"),
        ("faq.yaml", "faq", "section", "misc"),
    ],
)
def test_unknown_vocabulary_value(
    docs: Documents, problems_of: LoadProblems, file: str, key: str, field: str, value: str
) -> None:
    entry = docs[file][key][0]
    entry[field] = value
    problems = problems_of(docs)
    assert locations(problems) == {(file, entry["id"], field)}
    assert value in problems[0].message


def test_unknown_flag(docs: Documents, problems_of: LoadProblems) -> None:
    docs["foods.yaml"]["foods"][0]["flags"] = ["vegan", "vegetarian", "organic"]
    problems = problems_of(docs)
    assert [(p.file, p.entry_id, p.field.split()[0] if p.field else None) for p in problems] == [
        ("foods.yaml", "pumpkin-seeds", "flags")
    ]
    assert "organic" in problems[0].message


def test_too_few_phrasings(docs: Documents, problems_of: LoadProblems) -> None:
    del docs["faq.yaml"]["faq"][0]["phrasings"][0]
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "phrasings")}
    assert "at least 4" in problems[0].message


def test_too_few_keywords(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][1]["keywords"] = ["food"]
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "best-food-sources", "keywords")}
    assert "at least 2" in problems[0].message


def test_vegan_requires_vegetarian(docs: Documents, problems_of: LoadProblems) -> None:
    docs["foods.yaml"]["foods"][0]["flags"] = ["vegan"]
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "pumpkin-seeds", "flags")}


@pytest.mark.parametrize("animal_flag", ["contains_dairy", "contains_fish"])
def test_vegan_food_cannot_contain_dairy_or_fish(
    docs: Documents, problems_of: LoadProblems, animal_flag: str
) -> None:
    docs["foods.yaml"]["foods"][0]["flags"] = ["vegan", "vegetarian", animal_flag]
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "pumpkin-seeds", "flags")}
    assert animal_flag in problems[0].message


@pytest.mark.parametrize("category", ["meat_poultry", "fish"])
def test_meat_or_fish_cannot_be_vegetarian(
    docs: Documents, problems_of: LoadProblems, category: str
) -> None:
    food = docs["foods.yaml"]["foods"][3]
    food["category"] = category
    food["flags"] = ["vegetarian", "contains_fish"]
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "salmon", "flags")}


def test_fish_needs_contains_fish(docs: Documents, problems_of: LoadProblems) -> None:
    docs["foods.yaml"]["foods"][3]["flags"] = []
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "salmon", "flags")}


@pytest.mark.parametrize("mg_max", [20, 24])
def test_mg_max_must_exceed_mg(docs: Documents, problems_of: LoadProblems, mg_max: int) -> None:
    docs["foods.yaml"]["foods"][1]["mg_max"] = mg_max
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "milk", "mg_max")}


def test_invalid_yaml(docs: Documents, tmp_path: Path) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / "tips.yaml").write_text("tips:\n  - id: a\n   topic: [unclosed\n")
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    [problem] = caught.value.problems
    assert (problem.file, problem.entry_id, problem.field) == ("tips.yaml", None, None)
    assert "invalid YAML" in problem.message
    assert "line" in problem.message


def test_key_written_twice_is_invalid_yaml(docs: Documents, tmp_path: Path) -> None:
    # PyYAML would silently keep the second body; an editor's copy-paste slip must surface.
    directory = write_documents(tmp_path, docs)
    text = (directory / "tips.yaml").read_text()
    (directory / "tips.yaml").write_text(
        text.replace("  source: articles", "  title: Again\n  source: articles", 1)
    )
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    [problem] = caught.value.problems
    assert problem.file == "tips.yaml"
    assert "'title' is written twice" in problem.message


@pytest.mark.parametrize(
    "file", ["tips.yaml", "faq.yaml", "foods.yaml", "intake.yaml", "safety.yaml", "quizzes.yaml"]
)
def test_missing_file(docs: Documents, tmp_path: Path, file: str) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / file).unlink()
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    assert [(p.file, p.message.split(" (")[0]) for p in caught.value.problems] == [
        (file, "file is missing")
    ]


def test_empty_file(docs: Documents, tmp_path: Path) -> None:
    directory = write_documents(tmp_path, docs)
    (directory / "faq.yaml").write_text("# nothing yet\n")
    with pytest.raises(ContentError) as caught:
        load_library(directory)
    assert [(p.file, p.message) for p in caught.value.problems] == [("faq.yaml", "file is empty")]


def test_unknown_top_level_section(docs: Documents, problems_of: LoadProblems) -> None:
    docs["tips.yaml"]["tipz"] = []
    problems = problems_of(docs)
    assert locations(problems) == {("tips.yaml", None, "tipz")}


NEGATION_TERMS = 18


def test_all_problems_are_reported_not_just_the_first(
    docs: Documents, problems_of: LoadProblems
) -> None:
    docs["tips.yaml"]["tips"][0]["topic"] = "vitamins"
    docs["tips.yaml"]["tips"][1]["body"] = ""
    docs["faq.yaml"]["faq"][1]["keywords"] = []
    docs["foods.yaml"]["foods"][1]["mg_max"] = 1
    docs["safety.yaml"]["concepts"][0]["terms"].append("No Way")
    problems = problems_of(docs)
    assert locations(problems) == {
        ("tips.yaml", "cramps-night-legs", "topic"),
        ("tips.yaml", "sleep-glycinate", "body"),
        ("faq.yaml", "best-food-sources", "keywords"),
        ("foods.yaml", "milk", "mg_max"),
        ("safety.yaml", "concepts negation", f"terms item {NEGATION_TERMS + 1}"),
    }


def test_problem_reads_as_one_line(docs: Documents, problems_of: LoadProblems) -> None:
    docs["tips.yaml"]["tips"][0]["title"] = ""
    [problem] = problems_of(docs)
    assert str(problem) == "tips.yaml, entry 'cramps-night-legs', field 'title': text is empty"


def test_content_error_message_lists_every_problem(
    docs: Documents, problems_of: LoadProblems, tmp_path: Path
) -> None:
    docs["tips.yaml"]["tips"][0]["title"] = ""
    docs["tips.yaml"]["tips"][1]["title"] = ""
    with pytest.raises(ContentError) as caught:
        load_library(write_documents(tmp_path / "again", docs))
    message = str(caught.value)
    assert "cramps-night-legs" in message
    assert "sleep-glycinate" in message


# --- rules beyond the single fields --------------------------------------------------------


@pytest.mark.parametrize(
    "section", ["deficiency", "excess", "supplements", "other_causes", "urgent"]
)
def test_medical_sections_need_the_disclaimer(
    docs: Documents, problems_of: LoadProblems, section: str
) -> None:
    docs["faq.yaml"]["faq"][0]["section"] = section
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "disclaimer")}


def test_same_phrasing_in_two_faq_entries(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][1]["phrasings"][0] = "How does magnesium  help muscles"
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "best-food-sources", "phrasings")}
    assert "what-does-magnesium-do" in problems[0].message


def test_food_alias_naming_another_food(docs: Documents, problems_of: LoadProblems) -> None:
    docs["foods.yaml"]["foods"][2]["aliases"] = ["Pepitas"]
    problems = problems_of(docs)
    assert locations(problems) == {("foods.yaml", "hemp-seeds", "aliases")}


def test_concept_terms_are_lowercase(docs: Documents, problems_of: LoadProblems) -> None:
    docs["safety.yaml"]["concepts"][0]["terms"][1] = "Not"
    problems = problems_of(docs)
    assert locations(problems) == {("safety.yaml", "concepts negation", "terms item 2")}


def test_red_flag_rule_naming_an_unknown_concept(
    docs: Documents, problems_of: LoadProblems
) -> None:
    docs["safety.yaml"]["red_flags"][0]["when"].append(["chest", "elbow"])
    problems = problems_of(docs)
    assert locations(problems) == {("safety.yaml", "red_flags chest-pain", "when item 5")}
    assert "'elbow' is not a concept" in problems[0].message


def test_red_flag_ordinary_near_naming_an_unknown_concept(
    docs: Documents, problems_of: LoadProblems
) -> None:
    docs["safety.yaml"]["red_flags"][0]["ordinary_near"] = ["elbow"]
    problems = problems_of(docs)
    assert locations(problems) == {("safety.yaml", "red_flags chest-pain", "ordinary_near")}
    assert "'elbow' is not a concept" in problems[0].message


def test_concept_defined_twice(docs: Documents, problems_of: LoadProblems) -> None:
    concepts = docs["safety.yaml"]["concepts"]
    concepts.append(dict(concepts[-1]))
    problems = problems_of(docs)
    assert [p.field for p in problems] == ["id"]


def test_missing_action_text(docs: Documents, problems_of: LoadProblems) -> None:
    del docs["safety.yaml"]["actions"]["poison"]
    problems = problems_of(docs)
    assert locations(problems) == {("safety.yaml", None, "actions")}


def test_over_long_disclaimer(docs: Documents, problems_of: LoadProblems) -> None:
    docs["safety.yaml"]["disclaimer"] = "Please ask a professional. " * 10
    problems = problems_of(docs)
    assert locations(problems) == {("safety.yaml", None, "disclaimer")}


# --- numbers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("Most adults need about 2,500 mg.", "2,500"),
        ("Aim for 99 mg more.", "99"),
        ("Serum is 0.8 mmol/L.", "0.8"),
        ("Half of people, or 55 %, fall short.", "55"),
    ],
)
def test_number_not_in_the_reference(
    docs: Documents, problems_of: LoadProblems, text: str, bad: str
) -> None:
    docs["tips.yaml"]["tips"][0]["body"] = text
    problems = problems_of(docs)
    assert locations(problems) == {("tips.yaml", "cramps-night-legs", "body")}
    assert bad in problems[0].message


def test_number_in_faq_question(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][0]["question"] = "Is 700 mg a day too much?"
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "question")}


def test_thousands_need_a_comma(docs: Documents, problems_of: LoadProblems) -> None:
    docs["faq.yaml"]["faq"][0]["answer"] = "Toxicity is linked to about 5000 mg a day."
    problems = problems_of(docs)
    assert locations(problems) == {("faq.yaml", "what-does-magnesium-do", "answer")}
    assert "5,000" in problems[0].message


def test_reference_numbers_are_accepted(docs: Documents, tmp_path: Path) -> None:
    docs["tips.yaml"]["tips"][0]["body"] = (
        "About 25 g is stored in the body, 50-60 % in bone and less than 1 % in serum "
        "(0.75-0.95 mmol/L). Only 30-40 % is absorbed; toxicity is linked to over 5,000 mg. "
        "Adults over 30 need 420 mg (men) or 320 mg (women); stay under 350 mg from pills. "
        "Milk has 24-27 mg per 1 cup; pumpkin seeds 156 mg per 1 oz (28 g), about 37 % DV."
    )
    load_library(write_documents(tmp_path, docs))
