package dev.loupe.engine.oracle;

/** The outcome of one oracle case: passed, failed or skipped, with the measured difference. */
public record CaseResult(String name, Status status, String detail) {
    public enum Status { PASS, FAIL, SKIP }

    public static CaseResult pass(String name, String detail) { return new CaseResult(name, Status.PASS, detail); }
    public static CaseResult fail(String name, String detail) { return new CaseResult(name, Status.FAIL, detail); }
    public static CaseResult skip(String name, String reason) { return new CaseResult(name, Status.SKIP, reason); }
    public static CaseResult check(String name, boolean ok, String detail) { return ok ? pass(name, detail) : fail(name, detail); }

    @Override
    public String toString() {
        return String.format("%-44s %-4s %s", name, status, detail);
    }
}
