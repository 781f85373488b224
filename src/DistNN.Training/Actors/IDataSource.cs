using DistNN.Data;

namespace DistNN.Training.Actors;

/// <summary>Where a node's actors find the data: in one process the loaded sets are shared; a cluster node loads its own.</summary>
public interface IDataSource
{
    Dataset Train { get; }

    Dataset Test { get; }
}

public sealed record InMemoryDataSource(Dataset Train, Dataset Test) : IDataSource;
