"""/ask's question answering: red-flag triage, then FAQ retrieval with a confidence gate.

Build one `Answerer` per `Library` (it indexes the FAQ once) and call `answer(text)`.
"""

from content.answering.engine import Answer, Answerer, AnswerKind

__all__ = ["Answer", "AnswerKind", "Answerer"]
