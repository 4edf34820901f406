"""The words a comparison uses for a difference, in one place.

A compared pair gets a *verdict* from its measurements (``compare.metrics.verdict``):
``identical``, ``round-off``, ``amplified round-off`` or ``different``.  An
explanation in ``compare.json``'s ``differences`` (and ``compare.md``'s bullets,
the report's) names its *source* with the same words, plus ``formula`` for a
difference that the implementations make on purpose (a model's ``notes``).
The table's verdict column, the bullets, the JSON and the docs all use these
constants, so one pair is never called two things.

Pattern: a vocabulary module: constants and their meanings, nothing computed.
"""

from __future__ import annotations

__all__ = ["AMPLIFIED_ROUND_OFF", "DIFFERENT", "FORMULA", "IDENTICAL", "MEANING", "ROUND_OFF", "SOURCES", "VERDICTS"]

#: Bit-identical step losses and final weights.
IDENTICAL = "identical"
#: Within float32 round-off at every compared step.
ROUND_OFF = "round-off"
#: Round-off at first, then magnified by training.
AMPLIFIED_ROUND_OFF = "amplified round-off"
#: A gap that round-off does not explain.
DIFFERENT = "different"
#: A difference made on purpose, explained rather than measured.
FORMULA = "formula"

#: A compared pair's verdict, mildest first.
VERDICTS = (IDENTICAL, ROUND_OFF, AMPLIFIED_ROUND_OFF, DIFFERENT)
#: What an explanation's ``source`` may say: a verdict, or ``formula``.
SOURCES = (*VERDICTS, FORMULA)

#: One sentence per word, as the explanations and docs/compare.md give it.
MEANING = {
    IDENTICAL: "bit-identical step losses and weights: the same kernels in the same order",
    ROUND_OFF: "within float32 round-off at every compared step: same formula, other operation order or kernels",
    AMPLIFIED_ROUND_OFF: "at round-off level over the first steps, then amplified by training "
                         "(the trajectories magnify the last bits)",
    DIFFERENT: "larger than round-off from the first steps, or NaN at different steps: not explained by "
               "round-off, a different computation",
    FORMULA: "the implementations compute something different on purpose: explained, not measured",
}
