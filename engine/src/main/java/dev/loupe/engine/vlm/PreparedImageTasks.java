package dev.loupe.engine.vlm;

import dev.loupe.engine.task.grammar.AnswerGrammar;
import dev.loupe.engine.task.Annotation;
import dev.loupe.engine.task.TaskRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The requests of one {@link ImageTasks} made ready from one encode: each request prepared around
 * the same embeddings (one that cannot be prepared fails its own result only), and those that
 * can share a prefill — generated and classify requests whose prompts begin alike — going on
 * from one evaluation of their common prefix ({@link SharedPrefix}). The sequential path
 * ({@link BatchableAnnotator#annotateAll}) and the {@link BatchScheduler} run the members the same
 * way, so a request's annotation is the same on either, and the same as asked alone.
 *
 * <p>Requests that keep the image's hidden states (Youtu-VL's dense readouts) prefill their whole
 * prompt themselves: the readout is taken during the image's prefill. Multi-pass tasks (Youtu-VL's
 * segment-refined, segment-open) are not members: each of their passes prepares its own prompt,
 * so they run through {@link ImageAnnotator#annotate} with an encode of their own.
 *
 * <p>Not thread-safe: one thread (the scheduler's, or the caller's) runs a group.
 */
final class PreparedImageTasks {

    /** A prepared request and where its annotation goes. */
    record Member(PreparedRequest prepared, CompletableFuture<Annotation> result, boolean shares) {}

    private final BatchableAnnotator model;
    private final ImageTasks tasks;
    private final List<Member> members;
    private final List<Integer> multiPass;
    private final List<CompletableFuture<Annotation>> results;
    private final List<PromptSegment> prefixSegments;
    private final int sharers;
    private SharedPrefix prefix;
    private boolean prefixReleased;

    private PreparedImageTasks(BatchableAnnotator model, ImageTasks tasks, List<Member> members, List<Integer> multiPass,
                               List<CompletableFuture<Annotation>> results, List<PromptSegment> prefixSegments, int sharers) {
        this.model = model;
        this.tasks = tasks;
        this.members = members;
        this.multiPass = multiPass;
        this.results = results;
        this.prefixSegments = prefixSegments;
        this.sharers = sharers;
    }

    /**
     * Encodes the image once and prepares every request ({@code results.get(i)} is request i's);
     * a bad image fails every result, a request that cannot be prepared its own. A single request is
     * prepared as {@link BatchableAnnotator#prepare} does it alone (its task checked before the image is read).
     */
    static PreparedImageTasks prepare(BatchableAnnotator model, ImageTasks tasks, List<CompletableFuture<Annotation>> results) {
        List<TaskRequest> requests = tasks.requests();
        List<Member> members = new ArrayList<>();
        List<Integer> multiPass = new ArrayList<>();
        List<Integer> toPrepare = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) (requests.get(i).task().multiPass() ? multiPass : toPrepare).add(i);
        if (toPrepare.size() == 1) {
            int i = toPrepare.getFirst();
            try {
                members.add(new Member(model.prepare(tasks.image(), requests.get(i), tasks.limits()), results.get(i), false));
            } catch (RuntimeException e) {
                results.get(i).completeExceptionally(e);
            }
        } else if (!toPrepare.isEmpty()) {
            EncodedImage encoded;
            try {
                encoded = model.encode(tasks.image(), tasks.limits());
            } catch (RuntimeException e) {
                for (int i : toPrepare) results.get(i).completeExceptionally(e);
                encoded = null;
            }
            if (encoded != null) {
                for (int i : toPrepare) {
                    try {
                        members.add(new Member(encoded.prepare(requests.get(i)), results.get(i), false));
                    } catch (RuntimeException e) {
                        results.get(i).completeExceptionally(e);
                    }
                }
                shareEncode(members);
            }
        }
        return share(model, tasks, members, multiPass, results);
    }

    /** The members' encode seconds split among them: the rows' times then add up to the engine's. */
    private static void shareEncode(List<Member> members) {
        int n = members.size();
        if (n < 2) return;
        for (int i = 0; i < n; i++) {
            Member m = members.get(i);
            members.set(i, new Member(m.prepared().withEncodeSeconds(m.prepared().encodeSeconds() / n), m.result(), m.shares()));
        }
    }

    /** Marks the members that go on from a shared prefix: at least two, without hidden-state readouts, whose prompts begin alike. */
    private static PreparedImageTasks share(BatchableAnnotator model, ImageTasks tasks, List<Member> members, List<Integer> multiPass,
                                            List<CompletableFuture<Annotation>> results) {
        List<List<PromptSegment>> prompts = new ArrayList<>();
        for (Member m : members) if (m.prepared().hidden() == null) prompts.add(m.prepared().segments());
        int common = prompts.size() < 2 ? 0 : SharedPrefix.commonSegments(prompts);
        List<PromptSegment> segments = common == 0 ? List.of() : prompts.getFirst().subList(0, common);
        if (common > 0) {
            for (int i = 0; i < members.size(); i++) {
                Member m = members.get(i);
                if (m.prepared().hidden() == null) members.set(i, new Member(m.prepared(), m.result(), true));
            }
        }
        return new PreparedImageTasks(model, tasks, members, multiPass, results, segments, common == 0 ? 0 : prompts.size());
    }

    /** The prepared requests, in the order asked (those that failed left out). */
    List<Member> members() {
        return members;
    }

    ImageTasks tasks() {
        return tasks;
    }

    /** Whether some members go on from a shared prefix. */
    boolean sharesPrefix() {
        return sharers > 0;
    }

    /** The shared prefix, evaluated on first use. */
    private SharedPrefix prefix() {
        if (prefixReleased) throw new IllegalStateException("the shared prefix was released: every member that shares it had started");
        if (prefix == null) prefix = model.generator().prefillShared(prefixSegments, sharers);
        return prefix;
    }

    /**
     * Bytes of the shared prefix's KV cache — as evaluated, or as it will be when a member first
     * needs it — or 0 when no member shares one. Each member's own cache is apart from it: a
     * {@linkplain SharedPrefix#fork fork} copies the prefix's cells into a cache of the member's own.
     */
    long prefixBytes() {
        if (sharers == 0) return 0;
        return prefix != null ? prefix.cacheBytes() : model.generator().sharedCacheBytes(prefixSegments);
    }

    /** Whether the shared prefix is evaluated and held now (from a sharing member's start until {@link #releasePrefix}). */
    boolean holdsPrefix() {
        return prefix != null;
    }

    /**
     * Lets the shared prefix's cache go, once no member is left to start from it: the members'
     * forks copied what they need, so it is garbage from then on, not when they finish.
     */
    void releasePrefix() {
        prefix = null;
        prefixReleased = true;
    }

    /** The member's sequence after its prefill (from the shared prefix when it shares it), ready for decode steps. */
    Sequence start(Member m) {
        PreparedRequest r = m.prepared();
        AnswerGrammar grammar = model.answerGrammar(r);
        if (m.shares()) return model.generator().startAfter(prefix(), r.segments(), tasks.settings(), grammar);
        return model.generator().start(r.segments(), tasks.settings(), r.hidden(), grammar);
    }

    /** A classify member's annotation: its candidates scored (from the shared prefix when it shares it). */
    Annotation score(Member m) {
        return model.labelScorer().annotation(m.prepared(), m.shares() ? prefix() : null);
    }

    /** Runs the multi-pass requests, each through the model's own annotate (they encode for themselves). */
    void runMultiPass() {
        for (int i : multiPass) {
            CompletableFuture<Annotation> result = results.get(i);
            try {
                result.complete(model.annotate(tasks.image(), tasks.requests().get(i), tasks.settings(), tasks.limits()));
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            }
        }
    }
}
