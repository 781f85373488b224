using DistNN.Data.Idx;

namespace DistNN.Data.Tests;

public sealed class IdxDatasetSpec : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Mnist_folder_loads_nhwc_samples_scaled_to_unit_range_with_ten_classes()
    {
        _files.WriteDataSet(trainCount: 3, testCount: 2, rows: 2, cols: 4, trainLabels: [7, 0, 3], testLabels: [1, 9]);

        var (train, test) = MnistLoader.Load(_files.Folder);

        Assert.Equal([2, 4, 1], train.SampleShape);
        Assert.Equal(3, train.Count);
        Assert.Equal(2, test.Count);
        Assert.Equal(10, train.Classes);
        Assert.Equal(10, test.Classes);
        Assert.Equal([7, 0, 3], train.Labels);
        Assert.Equal([1, 9], test.Labels);
        var raw = IdxTestFiles.ImageValues(3, 2, 4);
        Assert.Equal(raw.Select(b => b / 255f), train.Features);
    }

    [Fact]
    public void Pixel_255_becomes_one_and_0_stays_zero()
    {
        var values = new byte[] { 0, 255, 51, 255 };
        _files.Write("train-images-idx3-ubyte", IdxTestFiles.Encode([1, 2, 2], values));
        _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Encode([1], [4]));
        _files.Write("t10k-images-idx3-ubyte", IdxTestFiles.Encode([1, 2, 2], values));
        _files.Write("t10k-labels-idx1-ubyte", IdxTestFiles.Encode([1], [2]));

        var (train, _) = MnistLoader.Load(_files.Folder);

        Assert.Equal([0f, 1f, 0.2f, 1f], train.Features);
    }

    [Fact]
    public void Gzip_files_load_like_plain_ones()
    {
        using var plainFiles = new IdxTestFiles();
        plainFiles.WriteDataSet(4, 3, 3, 3, [1, 2, 3, 4], [5, 6, 7]);
        _files.WriteDataSet(4, 3, 3, 3, [1, 2, 3, 4], [5, 6, 7], suffix: ".gz");

        var (plainTrain, plainTest) = MnistLoader.Load(plainFiles.Folder);
        var (gzTrain, gzTest) = MnistLoader.Load(_files.Folder);

        Assert.Equal(plainTrain.Features, gzTrain.Features);
        Assert.Equal(plainTrain.Labels, gzTrain.Labels);
        Assert.Equal(plainTest.Features, gzTest.Features);
        Assert.Equal(plainTest.Labels, gzTest.Labels);
    }

    [Fact]
    public void Dotted_file_names_are_accepted()
    {
        _files.WriteDataSet(2, 1, 2, 2, [0, 1], [1], dotted: true);

        var (train, test) = MnistLoader.Load(_files.Folder);

        Assert.Equal(2, train.Count);
        Assert.Equal(1, test.Count);
    }

    [Fact]
    public void Generic_idx_data_set_has_largest_label_plus_one_classes()
    {
        _files.WriteDataSet(3, 2, 2, 2, [0, 2, 1], [4, 0]);

        var (train, test) = IdxDataset.Load(_files.Folder);

        Assert.Equal(5, train.Classes);
        Assert.Equal(5, test.Classes);
    }

    [Fact]
    public void Rank_4_images_keep_their_channels()
    {
        var values = new byte[2 * 2 * 3 * 3];
        _files.Write("train-images-idx3-ubyte", IdxTestFiles.Encode([2, 2, 3, 3], values));
        _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Encode([2], [0, 1]));
        _files.Write("t10k-images-idx3-ubyte", IdxTestFiles.Encode([2, 2, 3, 3], values));
        _files.Write("t10k-labels-idx1-ubyte", IdxTestFiles.Encode([2], [1, 0]));

        var (train, _) = IdxDataset.Load(_files.Folder);

        Assert.Equal([2, 3, 3], train.SampleShape);
    }

    [Fact]
    public void Missing_files_are_all_named_with_the_fetch_hint()
    {
        _files.Write("train-images-idx3-ubyte", IdxTestFiles.Encode([1, 2, 2], new byte[4]));
        _files.Write("t10k-labels-idx1-ubyte", IdxTestFiles.Encode([1], [0]));

        var error = Assert.Throws<DataNotFoundException>(() => MnistLoader.Load(_files.Folder));

        Assert.Contains("train-labels-idx1-ubyte", error.Message);
        Assert.Contains("t10k-images-idx3-ubyte", error.Message);
        Assert.DoesNotContain("train-images-idx3-ubyte", error.Message);
        Assert.Contains("scripts/fetch-mnist.sh", error.Message);
        Assert.Contains(_files.Folder, error.Message);
    }

    [Fact]
    public void Missing_folder_is_named_with_the_fetch_hint()
    {
        string folder = Path.Combine(_files.Folder, "absent");

        var error = Assert.Throws<DataNotFoundException>(() => MnistLoader.Load(folder));

        Assert.Contains(folder, error.Message);
        Assert.Contains("scripts/fetch-mnist.sh", error.Message);
    }

    [Fact]
    public void Image_and_label_count_mismatch_names_both_files()
    {
        _files.WriteDataSet(3, 2, 2, 2, [0, 1], [1, 0]);

        var error = Assert.Throws<DataFormatException>(() => MnistLoader.Load(_files.Folder));

        Assert.Contains(Path.Combine(_files.Folder, "train-labels-idx1-ubyte"), error.Message);
        Assert.Contains(Path.Combine(_files.Folder, "train-images-idx3-ubyte"), error.Message);
        Assert.Contains("2 labels", error.Message);
        Assert.Contains("3 images", error.Message);
    }

    [Fact]
    public void Mnist_label_of_ten_or_more_names_the_label_file()
    {
        _files.WriteDataSet(2, 1, 2, 2, [0, 1], [10]);

        var error = Assert.Throws<DataFormatException>(() => MnistLoader.Load(_files.Folder));

        Assert.Contains(Path.Combine(_files.Folder, "t10k-labels-idx1-ubyte"), error.Message);
        Assert.Contains("label 10", error.Message);
    }

    [Fact]
    public void Train_and_test_images_of_different_shapes_are_rejected_also_when_the_test_set_is_read_alone()
    {
        _files.Write("train-images-idx3-ubyte", IdxTestFiles.Encode([1, 2, 2], new byte[4]));
        _files.Write("train-labels-idx1-ubyte", IdxTestFiles.Encode([1], [0]));
        _files.Write("t10k-images-idx3-ubyte", IdxTestFiles.Encode([1, 2, 3], new byte[6]));
        _files.Write("t10k-labels-idx1-ubyte", IdxTestFiles.Encode([1], [0]));

        foreach (var load in new Action[] { () => MnistLoader.Load(_files.Folder), () => IdxDataset.LoadTest(_files.Folder, 10) })
        {
            var error = Assert.Throws<DataFormatException>(load);

            Assert.Contains("t10k-images-idx3-ubyte", error.Message);
            Assert.Contains("[2,3]", error.Message);
            Assert.Contains("[2,2]", error.Message);
        }
    }

    [Fact]
    public void Corrupt_file_in_a_folder_surfaces_the_reader_error_naming_it()
    {
        _files.WriteDataSet(2, 1, 2, 2, [0, 1], [1]);
        string testImages = Path.Combine(_files.Folder, "t10k-images-idx3-ubyte");
        File.WriteAllBytes(testImages, File.ReadAllBytes(testImages)[..^1]);

        var error = Assert.Throws<DataFormatException>(() => MnistLoader.Load(_files.Folder));

        Assert.Equal(testImages, error.FilePath);
        Assert.Contains("truncated", error.Message);
    }
}
