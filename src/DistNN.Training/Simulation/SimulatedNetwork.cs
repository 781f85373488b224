namespace DistNN.Training.Simulation;

/// <summary>
/// Time on the simulated nodes and links. A node is busy while it computes (a worker's batch) or processes (a server's
/// push and update); a message leaves when its sender is neither busy nor still sending, crosses its sender's link in
/// bytes / rate, arrives after the latency, and is taken in when the receiver's link has taken in what came before it
/// (so many pushes to one server queue at that server's link: incast).
/// </summary>
internal sealed class SimulatedNetwork(LinkSpec link)
{
    private readonly Dictionary<string, double> _busyUntil = [];
    private readonly Dictionary<string, double> _sendFree = [];
    private readonly Dictionary<string, double> _receiveFree = [];

    public long Bytes { get; private set; }

    /// <summary>When <paramref name="node"/> is free: no earlier than <paramref name="now"/>.</summary>
    public double FreeAt(string node, double now) => Math.Max(now, _busyUntil.GetValueOrDefault(node));

    /// <summary><paramref name="node"/> works for <paramref name="seconds"/> from when it is free; returns when it is done.</summary>
    public double Occupy(string node, double now, double seconds)
    {
        double done = FreeAt(node, now) + seconds;
        _busyUntil[node] = done;
        return done;
    }

    /// <summary>Sends <paramref name="bytes"/> from <paramref name="from"/> to <paramref name="to"/>; returns when the last byte has arrived.</summary>
    public double Send(string from, string to, long bytes, double now)
    {
        double start = Math.Max(FreeAt(from, now), _sendFree.GetValueOrDefault(from));
        double wire = bytes / link.BytesPerSecond;
        _sendFree[from] = start + wire;
        double arrived = Math.Max(start + wire + link.Latency, _receiveFree.GetValueOrDefault(to) + wire);
        _receiveFree[to] = arrived;
        Bytes += bytes;
        return arrived;
    }
}
