using DistNN.Data.Idx;

namespace DistNN.Data;

/// <summary>
/// MNIST from its four IDX files (plain or .gz) in one folder: 60,000 training and 10,000 test digits of
/// [28, 28, 1] pixels scaled to [0, 1], 10 classes. scripts/fetch-mnist.sh fetches the files.
/// </summary>
public static class MnistLoader
{
    public const int Classes = 10;

    public static (Dataset Train, Dataset Test) Load(string dataDir) => IdxDataset.Load(dataDir, Classes, "mnist");
}
