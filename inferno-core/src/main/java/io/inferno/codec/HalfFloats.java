package io.inferno.codec;

/**
 * Conversions between {@code float} and the two 16-bit float formats, which Java 17 lacks
 * ({@code Float.float16ToFloat} arrived in Java 20).
 *
 * <ul>
 *   <li>float16 is IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 fraction bits; largest finite
 *       value 65504, smallest subnormal 2<sup>-24</sup>.
 *   <li>bfloat16 is the upper half of a binary32: 1 sign bit, 8 exponent bits (bias 127), 7 fraction bits, so it
 *       has float32's range with less precision.
 * </ul>
 *
 * <p>Widening to float is exact. Narrowing rounds to nearest, ties to even, as hardware does; values too large
 * become infinity and NaN stays NaN (made quiet, keeping the upper payload bits). Narrowing from double goes
 * through float without double rounding (see {@link #toFloatRoundingToOdd}).
 *
 * <p>Public only for the widening conversions, which golden examples use to compare 16-bit outputs.
 */
public final class HalfFloats {
    private static final int FLOAT_SIGN = 0x8000_0000;
    private static final int FLOAT_EXP_MASK = 0x7f80_0000;
    private static final int FLOAT_FRACTION_MASK = 0x007f_ffff;

    /** The float16 bit pattern of 65520, halfway from 65504 (odd fraction) to 2^16: ties go up, to infinity. */
    private static final int FLOAT16_OVERFLOW = 0x477f_f000;
    /** Floats below 2^-14 (the smallest normal float16) become float16 subnormals or zero. */
    private static final int FLOAT16_MIN_NORMAL = 0x3880_0000;
    /** Floats at or below 2^-25 (half the smallest subnormal; the tie goes to the even zero) become zero. */
    private static final int FLOAT16_UNDERFLOW = 0x3300_0000;

    private HalfFloats() {}

    /** The float value of a float16 bit pattern (only the low 16 bits are read); exact. */
    public static float float16ToFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int fraction = h & 0x3ff;
        if (exponent == 0x1f) {
            // Infinity, or NaN with its payload moved to the top of the float fraction.
            return Float.intBitsToFloat(sign | FLOAT_EXP_MASK | (fraction << 13));
        }
        if (exponent == 0) {
            // Zero or subnormal: fraction * 2^-24, exact in float (at most 10 significant bits).
            float magnitude = fraction * 0x1p-24f;
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 127 - 15) << 23) | (fraction << 13));
    }

    /** The float16 bit pattern nearest to {@code value}, ties to even. */
    static short floatToFloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int magnitude = bits & ~FLOAT_SIGN;
        if (magnitude >= FLOAT_EXP_MASK) {
            if (magnitude == FLOAT_EXP_MASK) {
                return (short) (sign | 0x7c00);
            }
            // Setting the quiet bit keeps a NaN a NaN even when its payload sat only in the dropped low bits.
            return (short) (sign | 0x7e00 | ((magnitude >>> 13) & 0x3ff));
        }
        if (magnitude >= FLOAT16_OVERFLOW) {
            return (short) (sign | 0x7c00);
        }
        if (magnitude >= FLOAT16_MIN_NORMAL) {
            int exponent = (magnitude >>> 23) - 127 + 15;
            int fraction = magnitude & FLOAT_FRACTION_MASK;
            // A carry out of the fraction correctly bumps the exponent (and 65504 < x < 65520 stays finite).
            return (short) (sign | roundShiftRightEven((exponent << 23) | fraction, 13));
        }
        if (magnitude <= FLOAT16_UNDERFLOW) {
            return (short) sign;
        }
        // Subnormal result in units of 2^-24. The input is a normal float here (float subnormals are far below
        // 2^-25), so its significand is the fraction plus the implicit bit, worth 2^(exponent - 150) each.
        int significand = (magnitude & FLOAT_FRACTION_MASK) | 0x0080_0000;
        int shift = 126 - (magnitude >>> 23); // from units of 2^(e-150) to units of 2^-24: 14..24
        // Rounding up from the largest subnormal yields 0x400, the smallest normal, as it should.
        return (short) (sign | roundShiftRightEven(significand, shift));
    }

    /** The float value of a bfloat16 bit pattern (only the low 16 bits are read); exact. */
    public static float bfloat16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** The bfloat16 bit pattern nearest to {@code value}, ties to even. */
    static short floatToBfloat16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & ~FLOAT_SIGN) > FLOAT_EXP_MASK) {
            // NaN: rounding could carry a payload into the exponent or drop it entirely; force the quiet bit.
            return (short) ((bits >>> 16) | 0x0040);
        }
        // Rounding the magnitude bits rounds the value; a carry into the exponent is the correct next binade,
        // and past the largest finite value it lands exactly on infinity (0x7f80).
        return (short) roundShiftRightEven(bits, 16);
    }

    /** The float16 bit pattern nearest to {@code value}, ties to even. */
    static short doubleToFloat16(double value) {
        return floatToFloat16(toFloatRoundingToOdd(value));
    }

    /** The bfloat16 bit pattern nearest to {@code value}, ties to even. */
    static short doubleToBfloat16(double value) {
        return floatToBfloat16(toFloatRoundingToOdd(value));
    }

    /**
     * {@code value} as a float rounded to odd: exact when representable, otherwise whichever of the two
     * neighbouring floats has an odd last bit. Rounding double to float to nearest and then float to a 16-bit
     * format to nearest could round twice in the same direction (a double just above a float16 tie first lands
     * on the tie, which then goes to even); a round-to-odd step with at least two spare bits, as float has over
     * both 16-bit formats, keeps the second rounding correct.
     */
    static float toFloatRoundingToOdd(double value) {
        float nearest = (float) value;
        if (nearest == value || Float.isInfinite(nearest) || Double.isNaN(value)) {
            // Exact, or beyond float range, where both 16-bit formats are infinite anyway.
            return nearest;
        }
        if ((Float.floatToRawIntBits(nearest) & 1) != 0) {
            return nearest;
        }
        return value > nearest ? Math.nextUp(nearest) : Math.nextDown(nearest);
    }

    /** {@code bits >>> shift} rounded to nearest, ties to even; {@code 1 <= shift <= 24}. */
    private static int roundShiftRightEven(int bits, int shift) {
        int kept = bits >>> shift;
        int dropped = bits & ((1 << shift) - 1);
        int half = 1 << (shift - 1);
        if (dropped > half || (dropped == half && (kept & 1) != 0)) {
            kept++;
        }
        return kept;
    }
}
