using Akka.Event;

namespace DistNN.Training.Hosting;

/// <summary>
/// Akka.Remote's lines about a connection to a peer that is not there (yet, or any more): a seed that has not started,
/// a node that has just left. A node says the same in its own words ("cannot reach the seed node(s) … retrying",
/// "left the cluster", a worker stopped), so these are shown only with `--verbose`.
/// </summary>
public static class RemoteLifecycleNoise
{
    private static readonly string[] s_starts =
    [
        "Tried to associate with unreachable remote address",
        "Couldn't join seed nodes after",
        "Association with remote system",
        "Disassociated",
    ];

    public static bool Covers(LogEvent e) =>
        e.LogLevel() is LogLevel.WarningLevel or LogLevel.ErrorLevel
        && (e.Cause?.GetType().Name == "EndpointDisassociatedException"
            || e.Message?.ToString() is { } message && s_starts.Any(s => message.StartsWith(s, StringComparison.Ordinal)));
}
