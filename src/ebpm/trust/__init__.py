"""How far an estimate can be trusted (issue 21).

Sensitivity of an event study to violations of parallel trends (Rambachan & Roth 2023), the
power of a pre-trend test (Roth 2022), the checks a published result carries in words, and an
evidence grade. The modules here read numbers (coefficients, covariances, the JSON record of a
result), never an estimator, so that :class:`ebpm.results.EstimateResult` can call them.
"""
