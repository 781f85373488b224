using DistNN.Data.Idx;

namespace DistNN.Data.Tests;

public sealed class IdxSliceSpec : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("")]
    [InlineData(".gz")]
    public void A_slice_of_the_training_set_holds_the_same_samples_as_the_whole_load(string suffix)
    {
        byte[] labels = [.. Enumerable.Range(0, 9).Select(i => (byte)(i % 10))];
        _files.WriteDataSet(trainCount: 9, testCount: 2, rows: 2, cols: 3, trainLabels: labels, testLabels: [1, 2], suffix: suffix);
        var (whole, _) = MnistLoader.Load(_files.Folder);

        var slice = IdxDataset.LoadTrainSlice(_files.Folder, start: 3, count: 4, classes: 10);

        Assert.Equal(4, slice.Count);
        Assert.Equal(whole.SampleShape, slice.SampleShape);
        Assert.Equal(whole.Labels[3..7], slice.Labels);
        Assert.Equal(whole.Features.AsSpan(3 * 6, 4 * 6).ToArray(), slice.Features);
    }

    [Fact]
    public void A_slice_of_one_sample_reads_that_sample_not_the_whole_file()
    {
        const int count = 20_000, rows = 28, cols = 28;
        string path = _files.Write("big-images", IdxTestFiles.Encode([count, rows, cols], new byte[count * rows * cols]));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var item = IdxReader.ReadItems(path, start: 12_345, count: 1, 2, IdxReader.MaxRank, "images");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal([1, rows, cols], item.Dimensions);
        // The file holds 15.7 MB; reading it whole would allocate as much.
        Assert.True(allocated < 256 * 1024, $"reading one 784-byte item allocated {allocated:N0} bytes");
    }

    [Fact]
    public void A_slice_past_the_last_item_is_refused_naming_the_file_and_the_items()
    {
        string path = _files.Write("labels", IdxTestFiles.Encode([5], [0, 1, 2, 3, 4]));

        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadItems(path, start: 3, count: 4, 1, 1, "labels"));

        Assert.Contains(path, e.Message);
        Assert.Contains("holds 5 items; items 3 to 6 were asked for", e.Message);
    }

    [Fact]
    public void Describing_the_training_set_gives_its_count_shape_and_classes_from_headers_and_labels()
    {
        _files.WriteDataSet(trainCount: 3, testCount: 2, rows: 2, cols: 4, trainLabels: [7, 0, 3], testLabels: [1, 8]);

        var (count, shape, classes) = IdxDataset.DescribeTrain(_files.Folder);

        Assert.Equal((3, 9), (count, classes));
        Assert.Equal([2, 4, 1], shape);
        Assert.Equal(10, IdxDataset.DescribeTrain(_files.Folder, MnistLoader.Classes).Classes);
    }
}
