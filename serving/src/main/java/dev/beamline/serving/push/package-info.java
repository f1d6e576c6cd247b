/**
 * The push stage: a blessed, infra-validated model published as the next version of a named model in
 * TensorFlow Serving's layout ({@code <serving_base>/<model_name>/<version>/}), as TFX's Pusher does.
 * {@link dev.beamline.serving.push.ModelPush} numbers versions and copies models atomically, for the
 * stage and for {@code beamline rollback} alike; {@link dev.beamline.serving.push.InfraValidation}
 * checks that a freshly loaded model answers its evaluation's rows as recorded; {@link
 * dev.beamline.serving.push.PushRecord} is what a push published ({@code push.json}).
 */
package dev.beamline.serving.push;
