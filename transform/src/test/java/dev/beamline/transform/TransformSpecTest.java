package dev.beamline.transform;

import static dev.beamline.core.FeatureType.BOOLEAN;
import static dev.beamline.core.FeatureType.FLOAT;
import static dev.beamline.core.FeatureType.INT;
import static dev.beamline.core.FeatureType.STRING;
import static dev.beamline.core.FeatureType.TIMESTAMP;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import dev.beamline.core.ExampleSchema;
import dev.beamline.transform.FeatureTransform.Encoding;
import dev.beamline.transform.FeatureTransform.Impute;
import dev.beamline.transform.FeatureTransform.Scale;
import dev.beamline.transform.FeatureTransform.Text;
import dev.beamline.transform.FeatureTransform.TimePart;
import dev.beamline.transform.FeatureTransform.Vocabulary;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Bad configurations are rejected before a pipeline starts, with a message naming the feature and the problem. */
class TransformSpecTest {
  private static final ExampleSchema RAW =
      TestData.schema("mass", FLOAT, "count", INT, "flag", BOOLEAN, "when", TIMESTAMP, "island", STRING);

  private static void rejected(FeatureTransform f, String message) {
    assertThatThrownBy(() -> TransformSpec.of(List.of(f)).check(RAW))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void aGoodSpecPasses() {
    assertThatCode(() -> TransformSpec.of(List.of(
            FeatureTransform.numeric("mass").withScale(Scale.Z_SCORE),
            FeatureTransform.numeric("count").withBucketize(4).withEncode(Encoding.ONE_HOT),
            FeatureTransform.numeric("flag").withImpute(new Impute(Impute.Strategy.CONSTANT, "false")),
            FeatureTransform.numeric("when").withTimePart(TimePart.HOUR_OF_DAY).withImpute(new Impute(Impute.Strategy.CONSTANT, "23")),
            FeatureTransform.string("island").withVocabulary(Vocabulary.defaults())))
        .check(RAW))
        .doesNotThrowAnyException();
  }

  @Test
  void aMissingInputFeature() {
    rejected(FeatureTransform.numeric("weight"),
        "transform 'weight': input feature 'weight' is not in the data (features: mass, count, flag, when, island)");
  }

  @Test
  void aVocabularyOnANumericColumn() {
    rejected(FeatureTransform.numeric("mass").withVocabulary(Vocabulary.defaults()),
        "transform 'mass': input 'mass' is float, so vocabulary, hash_buckets, text, separator and lowercase do not apply (they need a string feature)");
  }

  @Test
  void numericStepsOnAString() {
    rejected(FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withScale(Scale.Z_SCORE),
        "transform 'island': input 'island' is string, so clip, log, scale, bucketize and binarize do not apply (they need a numeric feature)");
  }

  @Test
  void aStringNeedsExactlyOneOfVocabularyAndHashBuckets() {
    rejected(FeatureTransform.string("island"), "transform 'island': a string feature needs exactly one of vocabulary and hash_buckets");
  }

  @Test
  void twoFinalSteps() {
    rejected(FeatureTransform.numeric("mass").withScale(Scale.MIN_MAX).withBucketize(3),
        "transform 'mass': choose one of scale, bucketize and binarize");
  }

  @Test
  void tooFewBuckets() {
    rejected(FeatureTransform.numeric("mass").withBucketize(1), "transform 'mass': bucketize needs at least 2 buckets, got 1");
  }

  @Test
  void aClipRangeUpsideDown() {
    rejected(FeatureTransform.numeric("mass").withClip(5.0, 1.0), "transform 'mass': clip minimum 5.0 is above the maximum 1.0");
  }

  @Test
  void aTimestampWithoutTimePart() {
    rejected(FeatureTransform.numeric("when"),
        "transform 'when': input 'when' is timestamp, so it needs time_part (hour_of_day, day_of_week, minute,"
            + " day_of_month, day_of_year, week_of_year, month, year)");
  }

  @Test
  void everyTimePartWithIdOneHotOrCyclicalAndTheYearScaledPass() {
    for (TimePart part : TimePart.values()) {
      if (part == TimePart.YEAR) {
        for (Scale scale : Scale.values()) {
          assertThatCode(() -> TransformSpec.of(List.of(FeatureTransform.numeric("when").withTimePart(part).withScale(scale))).check(RAW))
              .doesNotThrowAnyException();
        }
        continue;
      }
      for (Encoding encoding : List.of(Encoding.ID, Encoding.ONE_HOT, Encoding.CYCLICAL)) {
        assertThatCode(() -> TransformSpec.of(List.of(FeatureTransform.numeric("when").withTimePart(part).withEncode(encoding))).check(RAW))
            .as(part + " " + encoding)
            .doesNotThrowAnyException();
      }
    }
  }

  @Test
  void theYearIsANumberWithoutEncoding() {
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.YEAR).withEncode(Encoding.ONE_HOT),
        "transform 'when': time_part year is a number, so encode one_hot does not apply (scale it with scale: z_score or min_max)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.YEAR).withEncode(Encoding.CYCLICAL),
        "transform 'when': time_part year is a number, so encode cyclical does not apply (scale it with scale: z_score or min_max)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.YEAR).withImpute(new Impute(Impute.Strategy.CONSTANT, "2012.5")),
        "transform 'when': impute constant '2012.5' is not a year (an integer)");
  }

  @Test
  void onlyTheYearIsScaled() {
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.MONTH).withScale(Scale.Z_SCORE),
        "transform 'when': input 'when' is timestamp, only time_part, impute, encode (id, one_hot or cyclical) and, for the year, scale apply");
  }

  @Test
  void cyclicalIsForTimePartsAndTakesNoImpute() {
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.MONTH).withEncode(Encoding.CYCLICAL)
            .withImpute(new Impute(Impute.Strategy.MOST_FREQUENT, null)),
        "transform 'when': encode cyclical takes no impute: a missing timestamp becomes [0, 0], the centre of the circle");
    rejected(FeatureTransform.numeric("count").withEncode(Encoding.CYCLICAL),
        "transform 'count': input 'count' is int, encode cyclical needs a time part (a timestamp feature with time_part)");
    rejected(FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.CYCLICAL),
        "transform 'island': input 'island' is string, encode cyclical needs a time part (a timestamp feature with time_part)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.MONTH).withEncode(Encoding.MULTI_HOT),
        "transform 'when': encode multi_hot does not apply to a time part (use id, one_hot or cyclical)");
  }

  @Test
  void tfidfNeedsAVocabulary() {
    rejected(FeatureTransform.string("island").withText(new Text(1, 1)).withHashBuckets(10).withEncode(Encoding.TFIDF),
        "transform 'island': encode tfidf needs a vocabulary (document frequencies are counted per token)");
  }

  @Test
  void multiHotNeedsAMultiValuedFeature() {
    rejected(FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withEncode(Encoding.MULTI_HOT),
        "transform 'island': encode multi_hot needs a multi-valued feature (set text or separator)");
  }

  @Test
  void badVocabularySettings() {
    rejected(FeatureTransform.string("island").withVocabulary(new Vocabulary(0, 0, -1)),
        "transform 'island': vocabulary top_k must be at least 1, got 0\n"
            + "transform 'island': vocabulary oov_buckets must be 0 or more, got -1\n"
            + "transform 'island': vocabulary frequency_threshold must be at least 1, got 0");
  }

  @Test
  void badNgrams() {
    rejected(FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withText(new Text(2, 1)),
        "transform 'island': text ngrams must be [min, max] with 1 <= min <= max, got [2, 1]");
  }

  @Test
  void aConstantThatIsNotANumber() {
    rejected(FeatureTransform.numeric("mass").withImpute(new Impute(Impute.Strategy.CONSTANT, "heavy")),
        "transform 'mass': impute constant 'heavy' is not a number");
    rejected(FeatureTransform.numeric("flag").withImpute(new Impute(Impute.Strategy.CONSTANT, "yes")),
        "transform 'flag': impute constant 'yes' is not a number (nor true or false)");
  }

  @Test
  void aConstantTimePartOutOfRange() {
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.DAY_OF_WEEK).withImpute(new Impute(Impute.Strategy.CONSTANT, "7")),
        "transform 'when': impute constant '7' is not a day_of_week (an integer from 0 to 6)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.HOUR_OF_DAY).withImpute(new Impute(Impute.Strategy.CONSTANT, "noon")),
        "transform 'when': impute constant 'noon' is not a hour_of_day (an integer from 0 to 23)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.MONTH).withImpute(new Impute(Impute.Strategy.CONSTANT, "12")),
        "transform 'when': impute constant '12' is not a month (an integer from 0 to 11: the month minus 1)");
    rejected(FeatureTransform.numeric("when").withTimePart(TimePart.WEEK_OF_YEAR).withImpute(new Impute(Impute.Strategy.CONSTANT, "53")),
        "transform 'when': impute constant '53' is not a week_of_year (an integer from 0 to 52: the ISO week minus 1)");
  }

  @Test
  void meanImputationOfAString() {
    rejected(FeatureTransform.string("island").withVocabulary(Vocabulary.defaults()).withImpute(new Impute(Impute.Strategy.MEAN, null)),
        "transform 'island': impute mean needs a numeric feature (use most_frequent or constant)");
  }

  @Test
  void anInvalidOutputNameAndDuplicates() {
    rejected(FeatureTransform.numeric("mass").withOutput("2mass"),
        "transform '2mass': '2mass' is not a valid feature name (letters, digits and _; not starting with a digit)");
    assertThatThrownBy(() -> TransformSpec.of(List.of(FeatureTransform.numeric("mass"), FeatureTransform.numeric("mass"))))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform: two transformed features are named 'mass'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    assertThatThrownBy(() -> TransformSpec.of(List.of(
            FeatureTransform.numeric("weight"),
            FeatureTransform.numeric("mass").withBucketize(1)))
        .check(RAW))
        .isInstanceOf(ConfigException.class)
        .hasMessage("transform 'weight': input feature 'weight' is not in the data (features: mass, count, flag, when, island)\n"
            + "transform 'mass': bucketize needs at least 2 buckets, got 1");
  }
}
