package dev.beamline.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beamline.core.ArtifactKind;
import dev.beamline.core.ConfigException;
import dev.beamline.core.StageOutput;
import dev.beamline.core.stage.Plan;
import dev.beamline.core.stage.PlanContext;
import dev.beamline.core.stage.Port;
import dev.beamline.core.stage.Published;
import dev.beamline.core.stage.Stage;
import dev.beamline.core.stage.StageInputs;
import java.io.Serializable;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.values.PCollection;
import org.junit.jupiter.api.Test;

/** The runner orders stages by the kinds they declare, whatever order they are given in. */
class StageOrderTest {
  private static final ArtifactKind A = ArtifactKind.of("A");
  private static final ArtifactKind B = ArtifactKind.of("B");
  private static final ArtifactKind C = ArtifactKind.of("C");

  /** A stage that declares ports and nothing else: ordering looks at nothing more. */
  private record Declared(String name, List<Port> consumes, List<Port> produces) implements Stage<Serializable> {
    @Override
    public ObjectNode parameters() {
      return JsonNodeFactory.instance.objectNode();
    }

    @Override
    public Plan<Serializable> plan(PlanContext ctx) {
      return Plan.empty();
    }

    @Override
    public PCollection<String> expand(Pipeline pipeline, Plan<Serializable> plan, StageInputs inputs, StageOutput output) {
      throw new UnsupportedOperationException();
    }

    @Override
    public Published describe(Plan<Serializable> plan, String outputDir) {
      throw new UnsupportedOperationException();
    }
  }

  private static Declared stage(String name, List<Port> consumes, List<Port> produces) {
    return new Declared(name, consumes, produces);
  }

  private static List<String> names(StageOrder o) {
    return o.stages().stream().map(Stage::name).toList();
  }

  @Test
  void consumersComeAfterTheirProducersWhateverTheGivenOrder() {
    Declared first = stage("first", List.of(), List.of(Port.folder("a", A)));
    Declared second = stage("second", List.of(Port.required("a", A)), List.of(Port.folder("b", B)));
    Declared third = stage("third", List.of(Port.required("b", B), Port.required("a", A)), List.of(Port.folder("c", C)));
    StageOrder o = StageOrder.of("p", List.of(third, second, first));
    assertThat(names(o)).containsExactly("first", "second", "third");
    assertThat(o.wiresOf(third)).extracting(w -> w.producer().name()).containsExactly("second", "first");
  }

  @Test
  void theMainOutputOfAKindWinsOverOneInsideAnotherStagesFolder() {
    Declared examples = stage("ingest", List.of(), List.of(Port.folder("examples", A)));
    Declared transform =
        stage("transform", List.of(Port.required("examples", A)), List.of(Port.folder("graph", B), Port.inside("transformed", A, "x")));
    Declared stats = stage("statistics", List.of(Port.required("examples", A)), List.of(Port.folder("stats", C)));
    StageOrder o = StageOrder.of("p", List.of(stats, transform, examples));
    assertThat(o.wiresOf(stats)).singleElement().satisfies(w -> assertThat(w.producer().name()).isEqualTo("ingest"));
    assertThat(names(o).indexOf("ingest")).isLessThan(names(o).indexOf("statistics"));
  }

  @Test
  void anOptionalInputWithoutProducerIsLeftOut() {
    Declared alone = stage("alone", List.of(Port.optional("b", B)), List.of(Port.folder("a", A)));
    assertThat(StageOrder.of("p", List.of(alone)).wiresOf(alone)).isEmpty();
  }

  @Test
  void aRequiredInputWithoutProducerIsAConfigurationError() {
    Declared train = stage("train", List.of(Port.required("graph", B)), List.of(Port.folder("model", C)));
    assertThatThrownBy(() -> StageOrder.of("p", List.of(train)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline 'p': stage 'train' reads B ('graph'), which no stage of the pipeline produces");
  }

  @Test
  void twoEqualProducersAndCyclesAreConfigurationErrors() {
    Declared one = stage("one", List.of(), List.of(Port.folder("a", A)));
    Declared two = stage("two", List.of(), List.of(Port.folder("a", A)));
    Declared reader = stage("reader", List.of(Port.required("a", A)), List.of(Port.folder("c", C)));
    assertThatThrownBy(() -> StageOrder.of("p", List.of(one, two, reader)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline 'p': stage 'reader' reads A, which several stages produce: [one, two]");
    Declared x = stage("x", List.of(Port.required("b", B)), List.of(Port.folder("a", A)));
    Declared y = stage("y", List.of(Port.required("a", A)), List.of(Port.folder("b", B)));
    assertThatThrownBy(() -> StageOrder.of("p", List.of(x, y)))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline 'p': the stages [x, y] read each other's outputs in a cycle");
    assertThatThrownBy(() -> StageOrder.of("p", List.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("pipeline 'p' has no stage: nothing to run");
  }
}
