using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// The coordinator's idle parameter servers beyond the plan's (--standby-servers N): registered, watched, holding no
/// chunks. A lost server's chunks go to one of them; a ps node that registers later refills the pool up to N.
/// </summary>
internal sealed class StandbyPool(int wanted)
{
    private readonly List<(IActorRef Server, string DataPlane, IReadOnlyList<HeldShard>? Held)> _idle = [];

    /// <summary>How many standbys the run asks for.</summary>
    public int Wanted { get; } = wanted;

    public int Count => _idle.Count;

    public bool Full => _idle.Count >= Wanted;

    /// <summary>Takes <paramref name="server"/> as a standby; false when the pool is full or holds it already.</summary>
    public bool TryAdd(IActorRef server, string dataPlane, IReadOnlyList<HeldShard>? held = null)
    {
        if (Full || _idle.Any(s => s.Server.Equals(server)))
        {
            return false;
        }
        _idle.Add((server, dataPlane, held));
        return true;
    }

    /// <summary>A standby stopped: false when <paramref name="server"/> was not one.</summary>
    public bool Remove(IActorRef server) => _idle.RemoveAll(s => s.Server.Equals(server)) > 0;

    /// <summary>
    /// The standby that registered first among those <paramref name="fits"/> accepts (what its own checkpoint folder held
    /// when it registered), out of the pool; false when there is none.
    /// </summary>
    public bool TryTake(Func<IReadOnlyList<HeldShard>?, bool> fits, out (IActorRef Server, string DataPlane, IReadOnlyList<HeldShard>? Held) standby)
    {
        int i = _idle.FindIndex(s => fits(s.Held));
        if (i < 0)
        {
            standby = default;
            return false;
        }
        standby = _idle[i];
        _idle.RemoveAt(i);
        return true;
    }
}
