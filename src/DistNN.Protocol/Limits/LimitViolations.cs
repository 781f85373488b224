namespace DistNN.Protocol.Limits;

/// <summary>
/// Counts refused frames and messages by <see cref="ViolationKind"/> and logs the first one of each kind with its
/// reason, so that a misbehaving peer cannot flood the log. The refused message itself is dropped by the caller.
/// One instance is shared by default; tests and hosts may create their own and route <see cref="Log"/>.
/// </summary>
public sealed class LimitViolations
{
    private readonly long[] _counts = new long[Enum.GetValues<ViolationKind>().Length];
    private readonly int[] _logged = new int[Enum.GetValues<ViolationKind>().Length];

    public LimitViolations(Action<string>? log = null)
    {
        Log = log ?? (line => Console.Error.WriteLine(line));
    }

    public static LimitViolations Shared { get; } = new();

    /// <summary>Where the first violation of each kind is written; hosts point this at their logger.</summary>
    public Action<string> Log { get; set; }

    public long Total
    {
        get
        {
            long total = 0;
            for (int i = 0; i < _counts.Length; i++)
            {
                total += Interlocked.Read(ref _counts[i]);
            }
            return total;
        }
    }

    public long CountOf(ViolationKind kind) => Interlocked.Read(ref _counts[(int)kind]);

    /// <summary>Counts the violation and logs it if it is the first of its kind.</summary>
    public void Record(ViolationKind kind, string reason)
    {
        Interlocked.Increment(ref _counts[(int)kind]);
        if (Interlocked.Exchange(ref _logged[(int)kind], 1) == 0)
        {
            Log($"DistNN protocol: dropped a {kind} frame or message: {reason} (further {kind} violations are counted, not logged)");
        }
    }

    public void Record(WireProtocolException violation) => Record(violation.Kind, violation.Message);
}
