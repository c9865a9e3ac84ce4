package dev.loupe.job.report;

import dev.loupe.job.annotations.AnnotationRow;
import java.util.Map;
import java.util.TreeMap;

/** Counts over every row of the table, taken in the pass that samples it: what the sample is a sample of. */
final class TableTally {
    long rows, errors, parseErrors, boxes, masks, persons;
    final Map<String, Long> tasks = new TreeMap<>();

    void add(AnnotationRow r) {
        rows++;
        if (r.error() != null) errors++;
        if (r.parseError() != null) parseErrors++;
        if (r.boxes() != null) boxes += r.boxes().size();
        if (r.masks() != null) masks += r.masks().size();
        if (r.persons() != null) persons += r.persons().size();
        tasks.merge(r.task() == null ? "(none)" : r.task(), 1L, Long::sum);
    }
}
