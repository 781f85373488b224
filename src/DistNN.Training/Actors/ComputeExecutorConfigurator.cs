using Akka.Configuration;
using Akka.Dispatch;

namespace DistNN.Training.Actors;

/// <summary>
/// Makes the <see cref="ComputeExecutor"/> of a dispatcher whose <c>executor</c> names this type; its thread count is
/// the dispatcher's <c>thread-count</c>.
/// </summary>
public sealed class ComputeExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites)
    : ExecutorServiceConfigurator(config, prerequisites)
{
    public override ExecutorService Produce(string id) => new ComputeExecutor(id, Config.GetInt("thread-count", 1));
}
