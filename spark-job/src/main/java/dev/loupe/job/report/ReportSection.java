package dev.loupe.job.report;

/**
 * A part of the report page: a heading and what goes under it. The page is a list of sections
 * ({@link ReportPage#write}), so a new kind of content is one more implementation, added to the
 * list, without touching the others — as an evaluation's metrics table ({@link MetricsSection})
 * and its worst misses ({@link MissesSection}: {@link Figure}s with a {@link Overlay.Role#TRUTH}
 * and a {@link Overlay.Role#PREDICTION} overlay in two colours) were.
 */
public interface ReportSection {
    /** The section's anchor in the page, e.g. {@code summary}: letters, digits and dashes. */
    String id();

    /** The section's heading, also its entry in the page's table of contents. */
    String title();

    /** Writes the section's content (the page writes the {@code <section>} and heading around it). */
    void render(Html html);
}
