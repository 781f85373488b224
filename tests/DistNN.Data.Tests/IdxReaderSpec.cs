using DistNN.Data.Idx;

namespace DistNN.Data.Tests;

public sealed class IdxReaderSpec : IDisposable
{
    private readonly IdxTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void Plain_label_file_reads_dimensions_and_values()
    {
        string path = _files.Write("labels", IdxTestFiles.Encode([4], [3, 0, 9, 1]));

        var array = IdxReader.ReadLabels(path);

        Assert.Equal([4], array.Dimensions);
        Assert.Equal(new byte[] { 3, 0, 9, 1 }, array.Data);
    }

    [Fact]
    public void Gzip_image_file_reads_the_same_as_the_plain_file()
    {
        var bytes = IdxTestFiles.Encode([3, 2, 5], IdxTestFiles.ImageValues(3, 2, 5));
        string plain = _files.Write("images", bytes);
        string zipped = _files.Write("images.gz", bytes);

        var fromPlain = IdxReader.ReadImages(plain);
        var fromGzip = IdxReader.ReadImages(zipped);

        Assert.Equal([3, 2, 5], fromGzip.Dimensions);
        Assert.Equal(10, fromGzip.ItemLength);
        Assert.Equal(fromPlain.Data, fromGzip.Data);
    }

    [Fact]
    public void Missing_file_names_the_file()
    {
        string path = Path.Combine(_files.Folder, "nope-idx1-ubyte");

        var error = Assert.Throws<DataNotFoundException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Truncated_plain_file_names_the_file_and_the_expected_and_found_sizes()
    {
        var bytes = IdxTestFiles.Encode([2, 3, 3], new byte[18]);
        string path = _files.Write("images", bytes[..^5]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("34 bytes", error.Message); // 16 header + 18 values promised
        Assert.Contains("has 29", error.Message);
    }

    [Fact]
    public void Gzip_file_whose_content_is_short_reports_the_truncation()
    {
        var bytes = IdxTestFiles.Encode([2, 3, 3], new byte[18]);
        string path = _files.Write("images.gz", bytes[..^5]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
        Assert.Contains("34 bytes", error.Message);
        Assert.Contains("has 29", error.Message);
    }

    [Fact]
    public void Gzip_file_cut_short_gives_a_data_format_error_naming_the_file()
    {
        var zipped = IdxTestFiles.Gzip(IdxTestFiles.Encode([50, 20, 20], IdxTestFiles.ImageValues(50, 20, 20)));
        string path = _files.WriteRaw("images.gz", zipped[..(zipped.Length / 2)]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
    }

    [Theory]
    [InlineData("labels")]
    [InlineData("labels.gz")]
    public void Trailing_bytes_are_an_error(string name)
    {
        var bytes = IdxTestFiles.Encode([3], [1, 2, 3]);
        string path = _files.Write(name, [.. bytes, 0, 0]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("trailing", error.Message);
    }

    [Fact]
    public void Wrong_magic_number_is_named()
    {
        var bytes = IdxTestFiles.Encode([3], [1, 2, 3]);
        bytes[0] = 0x12;
        string path = _files.Write("labels", bytes);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("magic number 0x12000801", error.Message);
    }

    [Fact]
    public void Unsupported_data_type_is_named()
    {
        string path = _files.Write("floats", IdxTestFiles.Encode([1], [0, 0, 0, 0], dtype: 0x0D));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("0x0D (float32)", error.Message);
    }

    [Fact]
    public void Label_file_given_where_images_are_expected_reports_the_rank()
    {
        string path = _files.Write("labels", IdxTestFiles.Encode([3], [1, 2, 3]));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("0x00000801 (rank 1)", error.Message);
    }

    [Fact]
    public void Zero_dimension_is_rejected()
    {
        string path = _files.Write("images", IdxTestFiles.Encode([0, 28, 28], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains("dimension 0 as 0", error.Message);
    }

    [Fact]
    public void Header_promising_more_than_an_array_can_hold_is_rejected_before_allocating()
    {
        string path = _files.Write("images", IdxTestFiles.Encode([60000, 60000, 28], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("more than", error.Message);
    }

    [Fact]
    public void Gzip_header_promising_more_than_the_compressed_size_allows_is_reported_as_truncated()
    {
        string path = _files.Write("images.gz", IdxTestFiles.Encode([60000, 1000, 28], []));

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void File_shorter_than_the_magic_number_is_reported()
    {
        string path = _files.WriteRaw("tiny", [0, 0]);

        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("too short", error.Message);
    }
}
