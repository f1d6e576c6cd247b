/**
 * Differentially private release of data statistics ({@code validation.privacy:} and {@code beamline
 * stats --dp-epsilon}): counts, means, histograms and quantiles of the columns whose bounds or domain
 * are declared, with each user's (or row's) contribution bounded and noise from the discrete Laplace or
 * Gaussian samplers of {@code dev.beamline.core.privacy}. {@link dev.beamline.validation.privacy.DpQueryPlan}
 * holds the budget accounting, {@link dev.beamline.validation.privacy.ComputeDpSums} the exact sums,
 * {@link dev.beamline.validation.privacy.NoisyRelease} the noise, {@link
 * dev.beamline.validation.privacy.DpStatistics} the released file.
 *
 * <pre>{@code
 * DpQueryPlan plan = DpQueryPlan.of(PrivacyConfig.defaults().withBounds("body_mass_g", 2500, 6500), schema, splits);
 * }</pre>
 */
package dev.beamline.validation.privacy;
