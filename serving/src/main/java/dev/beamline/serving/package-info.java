/**
 * The serving stage of the Beamline life cycle: pushing blessed models to a serving base in TensorFlow
 * Serving's layout ({@link dev.beamline.serving.push}).
 */
package dev.beamline.serving;
