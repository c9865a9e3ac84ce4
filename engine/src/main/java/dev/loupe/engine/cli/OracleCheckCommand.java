package dev.loupe.engine.cli;

import dev.loupe.engine.kernels.ComputePool;
import dev.loupe.engine.kernels.Numerics;
import dev.loupe.engine.oracle.CaseResult;
import dev.loupe.engine.oracle.OracleCheck;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "oracle-check", description = {
        "Run every supported case of an oracle directory (llama.cpp's outputs on tiny models)",
        "and compare. Prints one line per case and 'N passed, M failed'; exits 1 on any failure."})
final class OracleCheckCommand implements Callable<Integer> {
    @Parameters(paramLabel = "DIR", description = "Oracle root: images/ plus one folder per family with manifest.json.")
    Path root;

    @Option(names = "--numerics", split = ",", defaultValue = "exact,fast", paramLabel = "exact|fast",
            description = "Which arithmetic to check (default: both): exact cases are expected bit-identical "
                    + "and reported as such, fast ones within the tolerance.")
    Numerics[] numerics;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<CaseResult> results = new OracleCheck(ComputePool.shared(), List.of(numerics)).run(root, r -> {
            out.println(r);
            out.flush();
        });
        long passed = results.stream().filter(r -> r.status() == CaseResult.Status.PASS).count();
        long failed = results.stream().filter(r -> r.status() == CaseResult.Status.FAIL).count();
        long skipped = results.stream().filter(r -> r.status() == CaseResult.Status.SKIP).count();
        out.println(passed + " passed, " + failed + " failed, " + skipped + " skipped");
        out.flush();
        return failed == 0 ? 0 : 1;
    }
}
