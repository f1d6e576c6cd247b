package dev.beamline.runner.subject;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beamline.core.ConfigException;
import org.junit.jupiter.api.Test;

class SubjectKeyTest {
  @Test
  void parsesColumnAndValueAtTheFirstEqualsSign() {
    assertThat(SubjectKey.parse("user_id=42")).isEqualTo(new SubjectKey("user_id", "42"));
    assertThat(SubjectKey.parse("token=a=b")).isEqualTo(new SubjectKey("token", "a=b"));
    assertThat(SubjectKey.parse(" email =x@y.z")).isEqualTo(new SubjectKey("email", "x@y.z"));
  }

  @Test
  void refusesTextWithoutColumnOrValue() {
    assertThatThrownBy(() -> SubjectKey.parse("user_id")).isInstanceOf(ConfigException.class)
        .hasMessage("the subject must be given as <column>=<value> (e.g. user_id=42), got 'user_id'");
    assertThatThrownBy(() -> SubjectKey.parse("=42")).isInstanceOf(ConfigException.class)
        .hasMessage("the subject's column is empty in '=42': give <column>=<value>");
    assertThatThrownBy(() -> SubjectKey.parse("user_id=")).isInstanceOf(ConfigException.class)
        .hasMessage("the subject's value is empty in 'user_id=': give <column>=<value>");
  }

  @Test
  void numbersMatchAsNumbersAndTextExactly() {
    SubjectKey seven = SubjectKey.parse("id=7");
    assertThat(seven.matches(7L)).isTrue();
    assertThat(seven.matches(7)).isTrue();
    assertThat(seven.matches(7.0)).isTrue();
    assertThat(seven.matches("7")).isTrue();
    assertThat(seven.matches(7.5)).isFalse();
    assertThat(seven.matches("007")).isFalse();
    assertThat(seven.matches("7.0")).isFalse();
    assertThat(seven.matches(null)).isFalse();
    assertThat(SubjectKey.parse("id=7.0").matches(7L)).isTrue();
    assertThat(SubjectKey.parse("id=7.25").matches(7.25)).isTrue();
    assertThat(SubjectKey.parse("id=007").matches("007")).isTrue();
    assertThat(SubjectKey.parse("id=007").matches(7L)).isTrue();
    assertThat(SubjectKey.parse("name=Ann").matches("ann")).isFalse();
    assertThat(SubjectKey.parse("flag=true").matches(true)).isTrue();
  }

  @Test
  void neverShowsTheValue() {
    SubjectKey k = SubjectKey.parse("email=ann@example.org");
    // sha256("ann@example.org"), by: printf %s ann@example.org | sha256sum
    assertThat(k.valueSha256()).isEqualTo("438c4c7afe600cdf1e455c369bec76dc970fc8ca463447c7b387a347f3c79331");
    assertThat(k.toString()).doesNotContain("ann").startsWith("email=<sha256:" + k.valueSha256().substring(0, 12));
  }
}
