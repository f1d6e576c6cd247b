/**
 * Differential privacy for Beamline: exact discrete noise samplers that resist the floating-point attack
 * of Mironov 2012 ({@link dev.beamline.core.privacy.DiscreteLaplace},
 * {@link dev.beamline.core.privacy.DiscreteGaussian}), noise added on a snapped grid
 * ({@link dev.beamline.core.privacy.SnappedNoise}), randomness from a secure
 * {@link dev.beamline.core.privacy.NoiseSource}, and privacy accounting
 * ({@link dev.beamline.core.privacy.Zcdp}, {@link dev.beamline.core.privacy.RdpAccountant}).
 *
 * <pre>{@code
 * long noisy = SnappedNoise.laplaceCount(count, 1, 0.5, NoiseSource.secure());
 * }</pre>
 */
package dev.beamline.core.privacy;
