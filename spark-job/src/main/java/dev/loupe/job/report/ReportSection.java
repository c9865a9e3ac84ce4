package dev.loupe.job.report;

/**
 * A part of the report page: a heading and what goes under it. The page is a list of sections
 * ({@link ReportPage#write}), so a new kind of content — an evaluation's metrics table and its
 * worst misses, each a {@link Figure} with a {@link Overlay.Role#TRUTH} and a
 * {@link Overlay.Role#PREDICTION} overlay drawn in two colours — is one more implementation,
 * added to the list, without touching the others.
 */
public interface ReportSection {
    /** The section's anchor in the page, e.g. {@code summary}: letters, digits and dashes. */
    String id();

    /** The section's heading, also its entry in the page's table of contents. */
    String title();

    /** Writes the section's content (the page writes the {@code <section>} and heading around it). */
    void render(Html html);
}
