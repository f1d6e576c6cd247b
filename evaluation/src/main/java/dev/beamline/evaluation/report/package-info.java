/**
 * The model evaluation report: {@link dev.beamline.evaluation.report.EvaluationReport} turns the evaluate stage's
 * {@code metrics.json} and the {@code blessing.json} verdict into one self-contained HTML page. Its charts (ROC and PR
 * curves, calibration, residual quantiles, bias gaps) are inline SVG drawn by the small chart classes of this package,
 * so the page needs no network, no script and no charting library.
 */
package dev.beamline.evaluation.report;
