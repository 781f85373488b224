namespace DistNN.Tensors.Tests;

public class TensorSpec
{
    [Fact]
    public void Resize_to_a_smaller_batch_and_back_reuses_the_backing_array()
    {
        var t = new Tensor(64, 10);
        float[] data = t.Data;

        t.Resize(16, 10);
        t.Resize(64, 10);

        Assert.Same(data, t.Data);
        Assert.Equal(640, t.Length);
    }

    [Fact]
    public void Resize_past_capacity_grows_and_keeps_the_contents()
    {
        var t = new Tensor(2, 2);
        t.Span.Fill(3f);

        t.Resize(3, 2);

        Assert.Equal(new float[] { 3, 3, 3, 3, 0, 0 }, t.Span.ToArray());
    }

    [Fact]
    public void Ensure_creates_once_then_reshapes_in_place()
    {
        Tensor? t = null;

        Tensor first = Tensor.Ensure(ref t, 4, 5);
        Tensor second = Tensor.Ensure(ref t, 2, 5);

        Assert.Same(first, second);
        Assert.Equal(new[] { 2, 5 }, second.Shape.ToArray());
        Assert.Equal(5, second.RowLength);
    }

    [Fact]
    public void View_shares_the_data_under_another_shape()
    {
        var t = new Tensor(2, 3, 4);

        Tensor flat = t.View(2, 12);
        flat[13] = 7f;

        Assert.Equal(7f, t[13]);
        Assert.Equal(12, flat.RowLength);
    }

    [Fact]
    public void View_with_another_element_count_is_rejected()
    {
        var t = new Tensor(2, 3);

        var error = Assert.Throws<ArgumentException>(() => t.View(4, 2));

        Assert.Contains("cannot view [2,3] as [4,2]", error.Message);
    }

    [Fact]
    public void A_negative_dimension_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Tensor(3, -1));
    }

    [Fact]
    public void Data_shorter_than_the_shape_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => new Tensor(new float[5], 2, 3));
    }

    [Fact]
    public void CopyFrom_a_tensor_of_another_shape_is_rejected()
    {
        var t = new Tensor(2, 3);

        Assert.Throws<ArgumentException>(() => t.CopyFrom(new Tensor(3, 2)));
    }

    [Fact]
    public void Dim_counts_negative_axes_from_the_end()
    {
        var t = new Tensor(8, 28, 28, 1);

        Assert.Equal(28, t.Dim(-2));
        Assert.Equal(8, t.Rows);
        Assert.Equal(784, t.RowLength);
    }
}
