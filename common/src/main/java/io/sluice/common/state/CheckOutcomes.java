package io.sluice.common.state;

/** How a data check's run says its tables agreed: pgtask writes it, {@code sluice check run} reads it. */
public final class CheckOutcomes {

    /** The start of the detail of a run that found source and target equal. */
    public static final String EQUAL = "source = target";

    /** What the detail of a run that found differences says, after the count of differing buckets. */
    public static final String DIFFER = " buckets differ";

    private CheckOutcomes() {}

    public static boolean equal(String detail) {
        return detail != null && detail.startsWith(EQUAL);
    }

    public static boolean differ(String detail) {
        return detail != null && !equal(detail) && detail.contains(DIFFER);
    }
}
