using System.Collections.Concurrent;
using Akka.Actor;

namespace DistNN.Transport.DataPlane;

/// <summary>
/// The numbers a node's frames name its actors by: one route per (actor, target), so that a reply finds its actor and
/// says which request it answers.
/// </summary>
internal sealed class RouteTable
{
    private readonly Dictionary<(IActorRef Actor, string Target), int> _routeOf = [];
    private readonly ConcurrentDictionary<int, IActorRef> _actors = new();
    private int _next;

    public int RouteOf(IActorRef actor, string target)
    {
        lock (_routeOf)
        {
            if (!_routeOf.TryGetValue((actor, target), out int route))
            {
                route = ++_next;
                _routeOf[(actor, target)] = route;
                _actors[route] = actor;
            }
            return route;
        }
    }

    public IActorRef? ActorOf(int route) => _actors.TryGetValue(route, out IActorRef? actor) ? actor : null;
}
