using System.Numerics.Tensors;

namespace DistNN.Data.Idx;

/// <summary>
/// Loads a data set stored as MNIST-style IDX files in one folder: train-images-idx3-ubyte,
/// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or with .gz (the dotted
/// spelling train-images.idx3-ubyte also works). Pixels are scaled from 0..255 to [0, 1]; an image file of rank 3
/// gives samples of shape [rows, cols, 1] (NHWC), rank 4 gives [rows, cols, channels], rank 2 gives [features].
/// </summary>
public static class IdxDataset
{
    public const string FetchHint = "scripts/fetch-mnist.sh downloads MNIST into data/mnist (or into the folder given as its argument)";

    /// <summary>
    /// Loads the train and test splits from <paramref name="dataDir"/>. <paramref name="classes"/> fixes the class
    /// count (labels must lie below it); when null it is the largest label in either split plus one.
    /// </summary>
    public static (Dataset Train, Dataset Test) Load(string dataDir, int? classes = null, string name = "idx")
    {
        var files = Locate(dataDir);
        var trainImages = IdxReader.ReadImages(files.TrainImages);
        var trainLabels = IdxReader.ReadLabels(files.TrainLabels);
        var testImages = IdxReader.ReadImages(files.TestImages);
        var testLabels = IdxReader.ReadLabels(files.TestLabels);
        CheckPair(trainImages, trainLabels);
        CheckPair(testImages, testLabels);
        CheckSameShape(trainImages.Path, trainImages.Dimensions, testImages);
        int classCount = classes ?? Math.Max(MaxLabel(trainLabels), MaxLabel(testLabels)) + 1;
        return (ToDataset($"{name}-train", trainImages, trainLabels, classCount),
                ToDataset($"{name}-test", testImages, testLabels, classCount));
    }

    /// <summary>Loads one split from an image file and a label file (see <see cref="Load"/> for the meaning of <paramref name="classes"/>).</summary>
    public static Dataset LoadSplit(string imagesPath, string labelsPath, int? classes = null, string name = "idx")
    {
        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath);
        CheckPair(images, labels);
        return ToDataset(name, images, labels, classes ?? MaxLabel(labels) + 1);
    }

    /// <summary>
    /// What the training split of <paramref name="dataDir"/> holds, from the image file's header and the labels (one byte
    /// per sample): its sample count, sample shape and class count (<paramref name="classes"/>, or when null the largest
    /// label of either split plus one). No image is read.
    /// </summary>
    public static (int Count, int[] SampleShape, int Classes) DescribeTrain(string dataDir, int? classes = null)
    {
        var files = Locate(dataDir);
        var dimensions = IdxReader.ReadDimensions(files.TrainImages, 2, IdxReader.MaxRank, "images");
        int labelCount = IdxReader.ReadDimensions(files.TrainLabels, 1, 1, "labels")[0];
        if (labelCount != dimensions[0])
        {
            throw new DataFormatException(files.TrainLabels, $"holds {labelCount} labels but {files.TrainImages} holds {dimensions[0]} images; they must match");
        }
        int classCount = classes ?? Math.Max(MaxLabel(IdxReader.ReadLabels(files.TrainLabels)), MaxLabel(IdxReader.ReadLabels(files.TestLabels))) + 1;
        return (dimensions[0], SampleShape(dimensions), classCount);
    }

    /// <summary>
    /// The test split of <paramref name="dataDir"/> alone, its samples checked against the training images' shape (from
    /// their header only); <paramref name="classes"/> as <see cref="DescribeTrain"/> gives it. A coordinator node evaluates
    /// on it without reading a training image.
    /// </summary>
    public static Dataset LoadTest(string dataDir, int classes, string name = "idx")
    {
        var files = Locate(dataDir);
        var trainDimensions = IdxReader.ReadDimensions(files.TrainImages, 2, IdxReader.MaxRank, "images");
        var images = IdxReader.ReadImages(files.TestImages);
        var labels = IdxReader.ReadLabels(files.TestLabels);
        CheckPair(images, labels);
        CheckSameShape(files.TrainImages, trainDimensions, images);
        return ToDataset($"{name}-test", images, labels, classes);
    }

    /// <summary>
    /// Training samples <paramref name="start"/> .. start + count − 1 of <paramref name="dataDir"/>, read alone from the IDX
    /// files (the images' bytes of other samples are never read); <paramref name="classes"/> as <see cref="DescribeTrain"/> gives it.
    /// </summary>
    public static Dataset LoadTrainSlice(string dataDir, int start, int count, int classes, string name = "idx")
    {
        var files = Locate(dataDir);
        var images = IdxReader.ReadItems(files.TrainImages, start, count, 2, IdxReader.MaxRank, "images");
        var labels = IdxReader.ReadItems(files.TrainLabels, start, count, 1, 1, "labels");
        return ToDataset($"{name}-train[{start}..{start + count})", images, labels, classes);
    }

    /// <summary>The per-sample shape an image file of these dimensions yields: NHWC with an explicit channel axis.</summary>
    public static int[] SampleShape(ReadOnlySpan<int> dimensions) => dimensions.Length switch
    {
        2 => [dimensions[1]],
        3 => [dimensions[1], dimensions[2], 1],
        4 => [dimensions[1], dimensions[2], dimensions[3]],
        _ => throw new ArgumentException($"image files have rank 2 to 4, not {dimensions.Length}"),
    };

    /// <summary>Finds the four files in <paramref name="dataDir"/>, or throws naming every one that is missing.</summary>
    public static IdxFiles Locate(string dataDir)
    {
        if (!Directory.Exists(dataDir))
        {
            throw new DataNotFoundException(dataDir, $"data folder {dataDir} does not exist; it should hold {string.Join(", ", StandardNames)} (each optionally .gz). {FetchHint}.");
        }
        var found = new string?[StandardNames.Length];
        var missing = new List<string>();
        for (int i = 0; i < StandardNames.Length; i++)
        {
            found[i] = Candidates(StandardNames[i]).Select(n => Path.Combine(dataDir, n)).FirstOrDefault(File.Exists);
            if (found[i] is null)
            {
                missing.Add(StandardNames[i]);
            }
        }
        if (missing.Count > 0)
        {
            throw new DataNotFoundException(dataDir, $"data folder {dataDir} lacks {string.Join(", ", missing)} (plain or .gz). {FetchHint}.");
        }
        return new IdxFiles(found[0]!, found[1]!, found[2]!, found[3]!);
    }

    /// <summary>The four standard file names, in the order train images, train labels, test images, test labels.</summary>
    public static readonly string[] StandardNames =
    [
        "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte",
    ];

    private static IEnumerable<string> Candidates(string standard)
    {
        // "train-images-idx3-ubyte" is also published as "train-images.idx3-ubyte".
        int cut = standard.LastIndexOf("-idx", StringComparison.Ordinal);
        string dotted = standard[..cut] + "." + standard[(cut + 1)..];
        foreach (string name in new[] { standard, dotted })
        {
            yield return name;
            yield return name + ".gz";
        }
    }

    private static void CheckPair(IdxArray images, IdxArray labels)
    {
        if (images.Count != labels.Count)
        {
            throw new DataFormatException(labels.Path, $"holds {labels.Count} labels but {images.Path} holds {images.Count} images; they must match");
        }
    }

    private static void CheckSameShape(string trainPath, int[] trainDimensions, IdxArray test)
    {
        if (!trainDimensions.AsSpan(1).SequenceEqual(test.Dimensions.AsSpan(1)))
        {
            throw new DataFormatException(test.Path, $"holds items of shape [{string.Join(",", test.Dimensions[1..])}] but {trainPath} holds [{string.Join(",", trainDimensions[1..])}]");
        }
    }

    private static int MaxLabel(IdxArray labels)
    {
        return TensorPrimitives.Max<byte>(labels.Data);
    }

    private static Dataset ToDataset(string name, IdxArray images, IdxArray labels, int classes)
    {
        var labelValues = new int[labels.Count];
        for (int i = 0; i < labelValues.Length; i++)
        {
            int label = labels.Data[i];
            if (label >= classes)
            {
                throw new DataFormatException(labels.Path, $"label {label} at item {i} is outside 0..{classes - 1} ({classes} classes)");
            }
            labelValues[i] = label;
        }
        var features = GC.AllocateUninitializedArray<float>(images.Data.Length);
        ScaleToUnit(images.Data, features);
        return new Dataset(name, features, SampleShape(images.Dimensions), labelValues, classes);
    }

    /// <summary>x / 255 for every byte, vectorised.</summary>
    internal static void ScaleToUnit(ReadOnlySpan<byte> bytes, Span<float> values)
    {
        TensorPrimitives.ConvertTruncating<byte, float>(bytes, values);
        TensorPrimitives.Divide(values, 255f, values);
    }
}
