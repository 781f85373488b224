using Akka.Actor;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// The coordinator's idle parameter servers beyond the plan's (--standby-servers N): registered, watched, holding no
/// chunks. A lost server's chunks go to one of them; a ps node that registers later refills the pool up to N.
/// </summary>
internal sealed class StandbyPool(int wanted)
{
    private readonly List<(IActorRef Server, string DataPlane)> _idle = [];

    /// <summary>How many standbys the run asks for.</summary>
    public int Wanted { get; } = wanted;

    public int Count => _idle.Count;

    public bool Full => _idle.Count >= Wanted;

    /// <summary>Takes <paramref name="server"/> as a standby; false when the pool is full or holds it already.</summary>
    public bool TryAdd(IActorRef server, string dataPlane)
    {
        if (Full || _idle.Any(s => s.Server.Equals(server)))
        {
            return false;
        }
        _idle.Add((server, dataPlane));
        return true;
    }

    /// <summary>A standby stopped: false when <paramref name="server"/> was not one.</summary>
    public bool Remove(IActorRef server) => _idle.RemoveAll(s => s.Server.Equals(server)) > 0;

    /// <summary>The standby that registered first, out of the pool; false when there is none.</summary>
    public bool TryTake(out (IActorRef Server, string DataPlane) standby)
    {
        if (_idle.Count == 0)
        {
            standby = default;
            return false;
        }
        standby = _idle[0];
        _idle.RemoveAt(0);
        return true;
    }
}
