package dev.beamline.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HeadlessChromiumTest {
  @TempDir Path tmp;

  @BeforeEach
  void needsChromium() {
    assumeTrue(HeadlessChromium.available(), "chromium is not installed here");
  }

  @Test
  void evaluateMeasuresTheLaidOutPageAndKeepsMarkupCharacters() throws Exception {
    Path page = Files.writeString(tmp.resolve("page.html"),
        "<!DOCTYPE html><html><body style=\"margin:0\"><div id=\"box\" style=\"width:123px;height:45px\"></div></body></html>");
    JsonNode box = HeadlessChromium.evaluateJson(page,
        "const r = document.getElementById('box').getBoundingClientRect(); return {w: r.width, h: r.height};");
    assertThat(box.get("w").asDouble()).isEqualTo(123.0);
    assertThat(box.get("h").asDouble()).isEqualTo(45.0);
    // A string comes back as it is, characters that are markup or URL syntax included.
    assertThat(HeadlessChromium.evaluate(page, "return '<a & b> + 50% é';")).isEqualTo("<a & b> + 50% é");
    // The copy with the script is removed.
    try (var files = Files.list(tmp)) {
      assertThat(files).containsExactly(page);
    }
  }

  @Test
  void aThrowingScriptFailsWithItsMessage() throws Exception {
    Path page = Files.writeString(tmp.resolve("page.html"), "<html><body></body></html>");
    assertThatThrownBy(() -> HeadlessChromium.evaluate(page, "throw new Error('no such chart');"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no such chart");
  }

  @Test
  void screenshotWritesAPngOfTheWindowSize() throws Exception {
    Path page = Files.writeString(tmp.resolve("page.html"), "<html><body style=\"background:#1f77b4\"></body></html>");
    Path png = HeadlessChromium.screenshot(page, tmp.resolve("shots/page.png"), 320, 200);
    byte[] bytes = Files.readAllBytes(png);
    // The PNG signature, then the IHDR chunk's width and height (big-endian) at bytes 16-23.
    assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    assertThat(ByteBuffer.wrap(bytes, 16, 8).getInt()).isEqualTo(320);
    assertThat(ByteBuffer.wrap(bytes, 20, 4).getInt()).isEqualTo(200);
  }
}
