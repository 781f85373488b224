namespace DistNN.Training.Simulation;

/// <summary>
/// Time on the simulated links. A message handed over (once its sender has finished computing, <see cref="SharedCores"/>)
/// leaves when its sender's link has sent what it sent before, crosses that link in bytes / rate, arrives after the
/// latency, and is taken in when the receiver's link has taken in what came before it (so many pushes to one server
/// queue at that server's link: incast).
/// </summary>
internal sealed class SimulatedNetwork(LinkSpec link)
{
    private readonly Dictionary<string, double> _sendFree = [];
    private readonly Dictionary<string, double> _receiveFree = [];

    public long Bytes { get; private set; }

    /// <summary>Sends <paramref name="bytes"/> from <paramref name="from"/> to <paramref name="to"/>; returns when the last byte has arrived.</summary>
    public double Send(string from, string to, long bytes, double now)
    {
        double start = Math.Max(now, _sendFree.GetValueOrDefault(from));
        double wire = bytes / link.BytesPerSecond;
        _sendFree[from] = start + wire;
        double arrived = Math.Max(start + wire + link.Latency, _receiveFree.GetValueOrDefault(to) + wire);
        _receiveFree[to] = arrived;
        Bytes += bytes;
        return arrived;
    }
}
