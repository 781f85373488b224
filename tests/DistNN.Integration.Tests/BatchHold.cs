namespace DistNN.Integration.Tests;

/// <summary>
/// Holds workers inside a batch with the compute test hook (DISTNN_TEST_HOLD_FILE, DISTNN_TEST_SLOW_BATCH_MS): a batch
/// begun while the hold file exists waits until the run is stopped, or until the file named as it plus ".release"
/// exists.
/// </summary>
internal static class BatchHold
{
    public const string HeldLine = "test hook: holding a batch until the run stops";

    /// <summary>How long every worker has to begin a held batch before the attempt counts as a split round.</summary>
    private static readonly TimeSpan s_attempt = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Creates <paramref name="holdFile"/> and returns once each of <paramref name="workers"/> is inside a held batch.
    /// In sync mode the file can split a round: a worker that began its batch just before the file existed finishes it,
    /// pushes and waits for the round, which the other worker, held, never completes; the first then begins no held
    /// batch (once in CI: "w1 began no held batch", its push unanswered). So when some worker has not begun a held batch
    /// within <see cref="s_attempt"/>, the holds are released until the round has ended and the next batches hold
    /// again, up to <paramref name="timeout"/> in all; then the test fails naming the workers not held.
    /// </summary>
    public static void HoldEvery(IReadOnlyList<NodeProcess> workers, string holdFile, TimeSpan timeout, Func<string> diagnostics)
    {
        var deadline = DateTime.UtcNow + timeout;
        // The line counts before the file exists: a hold that begins at once is then seen.
        var since = workers.Select(w => w.LineCount).ToArray();
        File.WriteAllText(holdFile, "");
        for (int attempt = 1; ; attempt++)
        {
            var attemptEnd = DateTime.UtcNow + s_attempt;
            var notHeld = workers.Where((w, i) => !w.WaitForLine(HeldLine, Until(attemptEnd < deadline ? attemptEnd : deadline), since[i])).ToList();
            if (notHeld.Count == 0)
            {
                return;
            }
            Assert.True(DateTime.UtcNow < deadline, $"{string.Join(", ", notHeld.Select(w => w.Label))} began no held batch "
                + $"in {timeout.TotalSeconds} s ({attempt} attempt(s))\n{diagnostics()}");
            // A held batch looks for the release file every 50 ms: 300 ms lets the held ones go, and the round end.
            File.WriteAllText(holdFile + ".release", "");
            Thread.Sleep(300);
            File.Delete(holdFile + ".release");
            since = workers.Select(w => w.LineCount).ToArray();
        }
    }

    private static TimeSpan Until(DateTime end) => end > DateTime.UtcNow ? end - DateTime.UtcNow : TimeSpan.Zero;
}
