package io.inferno.golden;

/**
 * How far a floating-point output may be from its golden value: an element passes when
 * {@code |actual - expected| <= absolute + relative * |expected|} (numpy's {@code isclose}). Integer and bool
 * outputs are always compared exactly; NaN matches only NaN, and an infinity only the same infinity.
 *
 * @param absolute the absolute part, 0 or more
 * @param relative the part relative to the expected value, 0 or more
 */
public record Tolerance(double absolute, double relative) {
    /** What a golden example allows when it sets no {@code tolerance}: 1e-6 absolute, 1e-5 relative. */
    public static final Tolerance DEFAULT = new Tolerance(1e-6, 1e-5);

    /** Exact comparison, for floats too. */
    public static final Tolerance EXACT = new Tolerance(0, 0);

    public Tolerance {
        requireValid("absolute", absolute);
        requireValid("relative", relative);
    }

    private static void requireValid(String what, double value) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(what + " tolerance must be a finite number, 0 or more, got " + value);
        }
    }

    /** How far an element may be from {@code expected}. */
    public double allowed(double expected) {
        return absolute + relative * Math.abs(expected);
    }

    /** Whether {@code actual} is close enough to {@code expected}. */
    public boolean allows(double actual, double expected) {
        if (Double.isNaN(expected) || Double.isNaN(actual)) {
            return Double.isNaN(expected) && Double.isNaN(actual);
        }
        if (Double.isInfinite(expected) || Double.isInfinite(actual)) {
            return actual == expected;
        }
        return Math.abs(actual - expected) <= allowed(expected);
    }
}
