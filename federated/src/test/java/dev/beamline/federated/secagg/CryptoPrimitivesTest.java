package dev.beamline.federated.secagg;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.KeyPair;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class CryptoPrimitivesTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void hkdfMatchesRfc5869TestCase1() {
    byte[] ikm = HEX.parseHex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    byte[] salt = HEX.parseHex("000102030405060708090a0b0c");
    byte[] info = HEX.parseHex("f0f1f2f3f4f5f6f7f8f9");
    assertThat(HEX.formatHex(Hkdf.extract(salt, ikm)))
        .isEqualTo("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5");
    assertThat(HEX.formatHex(Hkdf.derive(salt, ikm, info, 42)))
        .isEqualTo("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
  }

  @Test
  void pairwiseSeedsAgreeAndMasksCancel() {
    SecureRandom random = new SecureRandom();
    KeyPair u = X25519.generate(random);
    KeyPair v = X25519.generate(random);
    byte[] suv = Masks.pairwiseSeed(u.getPrivate(), v.getPublic());
    assertThat(Masks.pairwiseSeed(v.getPrivate(), u.getPublic())).containsExactly(suv);
    // A private key rebuilt from its shared scalar agrees the same seed.
    byte[] rebuilt = Masks.pairwiseSeed(X25519.privateFromScalar(X25519.scalar(v.getPrivate())), u.getPublic());
    assertThat(rebuilt).containsExactly(suv);

    long mask = (1L << 40) - 1;
    long[] acc = new long[100];
    Masks.addPairwiseMask(acc, suv, Masks.sign(3, 8), mask);
    assertThat(acc).isNotEqualTo(new long[100]);
    Masks.addPairwiseMask(acc, suv, Masks.sign(8, 3), mask);
    assertThat(acc).containsOnly(0L);
  }

  @Test
  void prgIsDeterministicAndStaysInTheRing() {
    byte[] seed = new byte[32];
    seed[0] = 1;
    long mask = (1L << 33) - 1;
    long[] a = Prg.expand(seed, 1000, mask);
    assertThat(Prg.expand(seed, 1000, mask)).containsExactly(a);
    for (long value : a) {
      assertThat(value).isBetween(0L, mask);
    }
    // The first 8 coordinates are AES-256(seed, counter 0 and 1) read as 8-byte words.
    assertThat(Prg.expand(seed, 3, mask)).containsExactly(a[0], a[1], a[2]);
  }
}
