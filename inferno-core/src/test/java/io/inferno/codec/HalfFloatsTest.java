package io.inferno.codec;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * float16 and bfloat16 conversions, checked against known bit patterns, exhaustively over every 16-bit pattern
 * and every rounding tie, and against an independent reference ({@link Math#rint} on a scaled double).
 */
class HalfFloatsTest {

    @ParameterizedTest(name = "{0} <-> 0x{1}")
    @CsvSource({
        "1.0, 3C00",
        "-2.0, C000",
        "0.5, 3800",
        "0.333251953125, 3555",
        "65504.0, 7BFF",           // largest finite
        "-65504.0, FBFF",
        "0x1p-14, 0400",           // smallest normal
        "0x1p-24, 0001",           // smallest subnormal
        "0x1.ff8p-15, 03FF",       // largest subnormal: 1023 * 2^-24
        "0.0, 0000",
        "-0.0, 8000",
        "Infinity, 7C00",
        "-Infinity, FC00",
    })
    void float16KnownValuesConvertBothWays(float value, String hex) {
        short bits = (short) Integer.parseInt(hex, 16);
        assertThat(hex(HalfFloats.floatToFloat16(value))).isEqualTo(hex);
        assertThat(Float.floatToRawIntBits(HalfFloats.float16ToFloat(bits)))
                .isEqualTo(Float.floatToRawIntBits(value));
    }

    @ParameterizedTest(name = "{0} -> 0x{1}")
    @CsvSource({
        "65519.0, 7BFF",           // below the midpoint between 65504 and 2^16: stays finite
        "65520.0, 7C00",           // the midpoint: 65504 is odd, so the tie goes up, to infinity
        "1e10, 7C00",
        "-1e10, FC00",
        "0x1p-25, 0000",           // half the smallest subnormal: tie to the even zero
        "-0x1p-25, 8000",
        "0x1.000002p-25, 0001",    // just above that tie
        "0x1.8p-24, 0002",         // 1.5 subnormal units: tie between 1 and 2 goes to even 2
        "0x1.4p-23, 0002",         // 2.5 units: tie between 2 and 3 goes to even 2
        "1e-10, 0000",
        "0x1.002p0, 3C00",         // 1 + 2^-11: tie between 0x3C00 and 0x3C01 goes to even 0x3C00
        "0x1.006p0, 3C02",         // 1 + 3 * 2^-11: tie between 0x3C01 and 0x3C02 goes to even 0x3C02
        "0x1.002002p0, 3C01",      // just above the first tie
        "0x1.ffcp-15, 0400",       // largest subnormal + half a unit: ties up into the smallest normal
        "2047.5, 6800",            // ulp 1 below 2^11: 2047 is odd, so the tie goes up to 2048
        "2046.5, 67FE",            // and this tie goes down to the even 2046
    })
    void float16NarrowingRoundsToNearestEven(float value, String hex) {
        assertThat(hex(HalfFloats.floatToFloat16(value))).isEqualTo(hex);
    }

    @Test
    void float16NaNStaysNaNWhateverItsPayload() {
        for (int bits : new int[] {0x7fc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fff_ffff, 0x7f80_2000}) {
            short half = HalfFloats.floatToFloat16(Float.intBitsToFloat(bits));
            assertThat(Float.isNaN(HalfFloats.float16ToFloat(half))).as("0x%08x -> 0x%s", bits, hex(half)).isTrue();
        }
    }

    @Test
    void float16WideningMatchesTheDefinitionForEveryPattern() {
        for (int h = 0; h <= 0xffff; h++) {
            int exponent = (h >>> 10) & 0x1f;
            int fraction = h & 0x3ff;
            double sign = (h & 0x8000) != 0 ? -1 : 1;
            double expected = exponent == 0 ? sign * fraction * 0x1p-24
                    : exponent == 0x1f ? (fraction == 0 ? sign * Double.POSITIVE_INFINITY : Double.NaN)
                    : sign * (1 + fraction / 1024.0) * Math.scalb(1.0, exponent - 15);
            float actual = HalfFloats.float16ToFloat((short) h);
            if (Double.isNaN(expected)) {
                assertThat(Float.isNaN(actual)).as("0x%04x", h).isTrue();
            } else {
                assertThat(Float.floatToRawIntBits(actual)).as("0x%04x", h)
                        .isEqualTo(Float.floatToRawIntBits((float) expected));
            }
        }
    }

    /** Every pattern comes back, except that a signalling NaN comes back quiet, as hardware converts it. */
    @Test
    void float16WideningThenNarrowingGivesBackEveryPattern() {
        for (int h = 0; h <= 0xffff; h++) {
            short bits = (short) h;
            boolean nan = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
            String expected = hex(nan ? (short) (h | 0x200) : bits);
            float value = HalfFloats.float16ToFloat(bits);
            assertThat(hex(HalfFloats.floatToFloat16(value))).isEqualTo(expected);
            assertThat(hex(HalfFloats.doubleToFloat16(value))).isEqualTo(expected);
        }
    }

    /** Every midpoint between neighbouring float16 values goes to the even one; a float either side does not. */
    @Test
    void float16EveryTieGoesToEvenAndItsNeighboursDoNot() {
        for (int h = 0; h < 0x7c00; h++) {
            float low = HalfFloats.float16ToFloat((short) h);
            float high = h == 0x7bff ? 65536f : HalfFloats.float16ToFloat((short) (h + 1));
            float tie = (low + high) / 2; // exact: 12 significant bits at most
            int even = (h & 1) == 0 ? h : h + 1;
            for (int sign : new int[] {0, 0x8000}) {
                float s = sign == 0 ? 1 : -1;
                assertThat(hex(HalfFloats.floatToFloat16(s * tie))).isEqualTo(hex((short) (sign | even)));
                assertThat(hex(HalfFloats.floatToFloat16(s * Math.nextDown(tie)))).isEqualTo(hex((short) (sign | h)));
                assertThat(hex(HalfFloats.floatToFloat16(s * Math.nextUp(tie))))
                        .isEqualTo(hex((short) (sign | (h + 1))));
            }
        }
    }

    @Property
    void float16NarrowingFromFloatMatchesTheReference(@ForAll int bits) {
        float value = Float.intBitsToFloat(bits); // every exponent equally likely, every fraction bit random
        if (!Float.isNaN(value)) {
            assertThat(bitsOf(HalfFloats.float16ToFloat(HalfFloats.floatToFloat16(value))))
                    .isEqualTo(bitsOf(referenceRound(value, 11, -14, 65536)));
        }
    }

    @Property
    void float16NarrowingFromDoubleMatchesTheReference(@ForAll("aroundFloat16Range") double value) {
        assertThat(bitsOf(HalfFloats.float16ToFloat(HalfFloats.doubleToFloat16(value))))
                .isEqualTo(bitsOf(referenceRound(value, 11, -14, 65536)));
    }

    /** Doubles with random fractions and exponents from below the smallest subnormal to past the overflow. */
    @Provide
    Arbitrary<Double> aroundFloat16Range() {
        return doublesWithExponents(-27, 17);
    }

    @Provide
    Arbitrary<Double> aroundBfloat16Range() {
        return doublesWithExponents(-136, 129);
    }

    private static Arbitrary<Double> doublesWithExponents(int min, int max) {
        return Combinators.combine(Arbitraries.integers().between(min, max), Arbitraries.longs(),
                        Arbitraries.of(1.0, -1.0))
                .as((exponent, fraction, sign) -> sign * Math.scalb(1.0 + (fraction >>> 12) * 0x1p-52, exponent));
    }

    /**
     * A double just above a float16 tie is nearer the upper neighbour, but converting it to float first rounds
     * it onto the tie, which would then go to even: the double path must not round twice.
     */
    @Test
    void float16NarrowingFromDoubleDoesNotRoundTwice() {
        double justAboveTie = 1 + 0x1p-11 + 0x1p-40;
        assertThat((float) justAboveTie).isEqualTo(1 + 0x1p-11f);
        assertThat(hex(HalfFloats.doubleToFloat16(justAboveTie))).isEqualTo("3C01");
        assertThat(hex(HalfFloats.doubleToFloat16(-justAboveTie))).isEqualTo("BC01");
        double justBelowTie = 1 + 0x1p-11 - 0x1p-40;
        assertThat(hex(HalfFloats.doubleToFloat16(justBelowTie))).isEqualTo("3C00");
        assertThat(hex(HalfFloats.doubleToFloat16(1e-300))).isEqualTo("0000");
        assertThat(hex(HalfFloats.doubleToFloat16(-1e-300))).isEqualTo("8000");
        assertThat(hex(HalfFloats.doubleToFloat16(1e300))).isEqualTo("7C00");
    }

    @ParameterizedTest(name = "{0} -> 0x{1}")
    @CsvSource({
        "1.0, 3F80",
        "-1.0, BF80",
        "0x1.01p0, 3F80",              // 1 + 2^-8: tie between 0x3F80 and 0x3F81 goes to even 0x3F80
        "0x1.03p0, 3F82",              // 1 + 3 * 2^-8: tie between 0x3F81 and 0x3F82 goes to even 0x3F82
        "0x1.010002p0, 3F81",          // just above the first tie
        "3.3895314e38, 7F7F",          // largest finite bfloat16
        "3.4028235e38, 7F80",          // Float.MAX_VALUE is past the last midpoint: infinity
        "1.4e-45, 0000",               // the smallest float subnormal rounds to zero
        "0x1p-133, 0001",              // smallest bfloat16 subnormal
        "-0.0, 8000",
        "Infinity, 7F80",
        "-Infinity, FF80",
    })
    void bfloat16NarrowingRoundsToNearestEven(float value, String hex) {
        assertThat(hex(HalfFloats.floatToBfloat16(value))).isEqualTo(hex);
    }

    @Test
    void bfloat16NaNStaysNaNEvenWithItsPayloadOnlyInTheDroppedBits() {
        for (int bits : new int[] {0x7fc0_0000, 0x7f80_0001, 0xff80_ffff, 0x7fff_ffff}) {
            short b = HalfFloats.floatToBfloat16(Float.intBitsToFloat(bits));
            assertThat(Float.isNaN(HalfFloats.bfloat16ToFloat(b))).as("0x%08x -> 0x%s", bits, hex(b)).isTrue();
        }
    }

    @Test
    void bfloat16WideningIsTheUpperHalfOfAFloatAndNarrowingGivesItBack() {
        for (int b = 0; b <= 0xffff; b++) {
            float value = HalfFloats.bfloat16ToFloat((short) b);
            assertThat(Float.floatToRawIntBits(value)).isEqualTo(b << 16);
            if (!Float.isNaN(value)) {
                assertThat(hex(HalfFloats.floatToBfloat16(value))).isEqualTo(hex((short) b));
                assertThat(hex(HalfFloats.doubleToBfloat16(value))).isEqualTo(hex((short) b));
            }
        }
    }

    @Test
    void bfloat16EveryTieGoesToEvenAndItsNeighboursDoNot() {
        for (int b = 0; b < 0x7f80; b++) {
            float low = HalfFloats.bfloat16ToFloat((short) b);
            float high = HalfFloats.bfloat16ToFloat((short) (b + 1));
            float tie = b == 0x7f7f ? Float.intBitsToFloat(0x7f7f_8000) : low + (high - low) / 2; // exact
            int even = (b & 1) == 0 ? b : b + 1;
            assertThat(hex(HalfFloats.floatToBfloat16(tie))).isEqualTo(hex((short) even));
            assertThat(hex(HalfFloats.floatToBfloat16(Math.nextDown(tie)))).isEqualTo(hex((short) b));
            assertThat(hex(HalfFloats.floatToBfloat16(Math.nextUp(tie)))).isEqualTo(hex((short) (b + 1)));
        }
    }

    @Property
    void bfloat16NarrowingFromDoubleMatchesTheReference(@ForAll("aroundBfloat16Range") double value) {
        assertThat(bitsOf(HalfFloats.bfloat16ToFloat(HalfFloats.doubleToBfloat16(value))))
                .isEqualTo(bitsOf(referenceRound(value, 8, -126, 0x1p128)));
    }

    @Property
    void bfloat16NarrowingFromFloatMatchesTheReference(@ForAll int bits) {
        float value = Float.intBitsToFloat(bits);
        if (!Float.isNaN(value)) {
            assertThat(bitsOf(HalfFloats.bfloat16ToFloat(HalfFloats.floatToBfloat16(value))))
                    .isEqualTo(bitsOf(referenceRound(value, 8, -126, 0x1p128)));
        }
    }

    /**
     * Rounds {@code value} to a binary format with {@code precision} significant bits, minimum normal exponent
     * {@code minExponent} and overflow threshold {@code overflow} (the first power of two it cannot hold), ties
     * to even, by scaling to units of the last place and using {@link Math#rint}. Every step is exact in double.
     */
    private static float referenceRound(double value, int precision, int minExponent, double overflow) {
        double magnitude = Math.abs(value);
        int exponent = Math.max(Math.getExponent(magnitude), minExponent);
        double ulp = Math.scalb(1.0, exponent - (precision - 1));
        double rounded = Math.rint(magnitude / ulp) * ulp;
        float result = rounded >= overflow ? Float.POSITIVE_INFINITY : (float) rounded;
        return Math.copySign(result, (float) value);
    }

    private static int bitsOf(float value) {
        return Float.floatToRawIntBits(value);
    }

    private static String hex(short bits) {
        return String.format("%04X", bits & 0xffff);
    }
}
