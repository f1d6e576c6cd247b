/**
 * Home of the training stage of the Beamline life cycle. The stage's composite transform and its algorithms
 * arrive with the issue that builds the stage; the module builds and is on the runner's class path today.
 */
package dev.beamline.training;
