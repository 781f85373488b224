using Akka.Actor;
using DistNN.Protocol.Messages;

namespace DistNN.Training.Checkpoints;

/// <summary>
/// The coordinator's idle parameter servers beyond the plan's (--standby-servers N): registered, watched, holding no
/// chunks. A lost server's chunks go to one of them; a ps node that registers later refills the pool up to N. Beyond N, up
/// to <paramref name="spares"/> more are kept whose own checkpoint folders hold files: such a node may be a lost server's
/// node started again on its disk, registered before the loss was noticed, and only it can restore that server's files.
/// </summary>
internal sealed class StandbyPool(int wanted, int spares = 0)
{
    private readonly List<(IActorRef Server, string DataPlane, IReadOnlyList<HeldShard>? Held)> _idle = [];

    /// <summary>How many standbys the run asks for.</summary>
    public int Wanted { get; } = wanted;

    public int Count => _idle.Count;

    public bool Full => _idle.Count >= Wanted;

    /// <summary>The standbys in the pool, in the order they registered.</summary>
    public IEnumerable<IActorRef> Servers => _idle.Select(s => s.Server);

    /// <summary>
    /// Takes <paramref name="server"/> as a standby; false when it is one already, or the pool is full and either its own
    /// folder holds no checkpoint files (<paramref name="held"/>) or the spares beyond N are all taken.
    /// </summary>
    public bool TryAdd(IActorRef server, string dataPlane, IReadOnlyList<HeldShard>? held = null)
    {
        if (_idle.Any(s => s.Server.Equals(server)) || (Full && (held is not { Count: > 0 } || _idle.Count >= Wanted + spares)))
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
