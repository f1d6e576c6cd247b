package dev.beamline.flink;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import org.apache.flink.runtime.client.JobExecutionException;
import org.apache.flink.runtime.io.network.netty.exception.RemoteTransportException;
import org.apache.flink.runtime.jobmaster.JobMasterException;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

/** How a failed job's exception is read for a lost TaskManager, with Flink's own exception types and messages. */
class FlinkClusterTest {
  private static RuntimeException failedJob(Throwable cause) {
    return new RuntimeException("Pipeline execution failed", new JobExecutionException(new JobID(), "Job execution failed.", cause));
  }

  @Test
  void aConnectionToALostTaskManagerNamesItsResourceId() {
    RemoteTransportException e =
        new RemoteTransportException(
            "Connecting to remote task manager 'localhost/127.0.0.1:43411 [ taskmanager-2 ] ' has failed. This might indicate that the remote task manager has been lost.",
            new InetSocketAddress("localhost", 43411));
    assertThat(FlinkCluster.lostTaskManager(failedJob(e)))
        .contains(new FlinkCluster.Lost("taskmanager-2", "Connecting to remote task manager 'localhost/127.0.0.1:43411 [ taskmanager-2 ] '"));
  }

  @Test
  void theJobMastersWordsForALostTaskManagerNameIt() {
    assertThat(FlinkCluster.lostTaskManager(failedJob(new JobMasterException("TaskManager with id taskmanager-1 is no longer reachable."))))
        .map(FlinkCluster.Lost::taskManager).contains("taskmanager-1");
    assertThat(FlinkCluster.lostTaskManager(failedJob(new TimeoutException("Heartbeat of TaskManager with id localhost:40123-9a1b2c timed out."))))
        .map(FlinkCluster.Lost::taskManager).contains("localhost:40123-9a1b2c");
  }

  @Test
  void aFailureOfTheDataIsNotALostTaskManager() {
    assertThat(FlinkCluster.lostTaskManager(failedJob(new IllegalStateException("penguins.csv line 4: bad value")))).isEmpty();
  }

  @Test
  void theJobJarLiesBesideTheClassesOrJarOfTheAnchor() {
    Path expected = Path.of("target", JobJar.FILE_NAME).toAbsolutePath();
    assertThat(JobJar.besides(FlinkClusterTest.class)).isEqualTo(expected);
  }
}
