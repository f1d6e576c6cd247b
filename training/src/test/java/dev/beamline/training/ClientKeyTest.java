package dev.beamline.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.transform.FeatureTransform;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FittedFeature;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which client a transformed row belongs to, for each kind of transformed feature. */
class ClientKeyTest {
  @Test
  void anIdFeatureGivesItsId() {
    ClientKey key = ClientKey.of(Fitted.vocabulary("origin", List.of("SFO", "JFK", "ORD"), 1, null, Encoding.ID, false));
    assertThat(key.column().kind()).isEqualTo(dev.beamline.transform.OutputKind.ID);
    long[] ids = {2, 0, 3};
    assertThat(key.of(ids, 0)).isEqualTo(2);
    assertThat(key.of(ids, 1)).isEqualTo(0);
    assertThat(key.of(ids, 2)).isEqualTo(3);
  }

  @Test
  void aOneHotVectorGivesTheIndexOfItsLargestEntryTheFirstOnTies() {
    ClientKey key = ClientKey.of(Fitted.vocabulary("island", List.of("Biscoe", "Dream", "Torgersen"), 0, null, Encoding.ONE_HOT, false));
    assertThat(key.column().width()).isEqualTo(3);
    float[] rows = {0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0, 0};
    assertThat(key.of(rows, 0)).isEqualTo(2);
    assertThat(key.of(rows, 1)).isEqualTo(1);
    assertThat(key.of(rows, 2)).isEqualTo(0);
    // All zero (an out-of-vocabulary value without buckets): the first index.
    assertThat(key.of(rows, 3)).isEqualTo(0);
  }

  @Test
  void aFloatFeatureGivesOneClientPerDistinctValue() {
    ClientKey key = ClientKey.of(Fitted.passThrough("store", 0));
    float[] v = {3f, 3f, 4f, -0f, 0f};
    assertThat(key.of(v, 0)).isEqualTo(key.of(v, 1)).isEqualTo(Float.floatToIntBits(3f));
    assertThat(key.of(v, 2)).isNotEqualTo(key.of(v, 0));
    assertThat(key.of(v, 3)).isEqualTo(key.of(v, 4)).isEqualTo(0);
  }

  @Test
  void tokenListsAndUnknownColumnsAreRefused() {
    FittedFeature tokens = Fitted.tokens(FeatureTransform.string("t").withText(new FeatureTransform.Text(1, 1))
        .withVocabulary(new FeatureTransform.Vocabulary(null, 1, 0)).withEncode(Encoding.IDS).withMaxTokens(4), List.of("good", "bad"), null);
    assertThatThrownBy(() -> ClientKey.of(tokens)).isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("train.federated.client_column 't' is a list of token ids (IDS)");
    assertThatThrownBy(() -> ClientKey.of("site", List.of(Fitted.passThrough("x", 0)))).isInstanceOf(ConfigException.class)
        .hasMessage("train.federated.client_column 'site' is not a transformed feature (transformed features: x)");
  }
}
