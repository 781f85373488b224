using DistNN.Protocol.Ownership;

namespace DistNN.Transport.Tests;

/// <summary>Ownership of lent arrays: misuse throws at once, naming who and which version.</summary>
public class LeaseSpec
{
    [Fact]
    public void An_owner_writing_arrays_it_has_lent_fails_naming_the_holder()
    {
        var lease = new Lease("server 0's weights");
        lease.Lend("worker-1");

        var e = Assert.Throws<InvalidOperationException>(lease.BeginWrite);

        Assert.Contains("server 0's weights", e.Message);
        Assert.Contains("worker-1", e.Message);
    }

    [Fact]
    public void Once_every_holder_has_returned_its_loan_the_owner_writes_a_new_version()
    {
        var lease = new Lease("w");
        Loan first = lease.Lend("a");
        lease.Lend("b");
        lease.Return("a");
        Assert.Throws<InvalidOperationException>(lease.BeginWrite);

        lease.Return("b");
        lease.BeginWrite();

        Assert.Equal(first.Version + 1, lease.Version);
    }

    [Fact]
    public void Values_used_after_the_owner_wrote_again_fail_naming_both_versions()
    {
        var lease = new Lease("server 0's weights");
        Loan loan = lease.Current;
        loan.EnsureValid();

        lease.BeginWrite();

        Assert.False(loan.IsValid);
        var e = Assert.Throws<InvalidOperationException>(loan.EnsureValid);
        Assert.Contains("used after their return", e.Message);
        Assert.Contains($"version {loan.Version}", e.Message);
    }

    [Fact]
    public void A_received_messages_arrays_stay_its_own_until_the_next_but_one_message_and_then_fail_if_used()
    {
        var arrays = new ReceiveArrays("the replies to worker-1");
        IValueArrays first = arrays.NextMessage();
        float[] firstValues = first.Get(chunk: 3, length: 8);
        Loan firstLoan = first.Loan;

        IValueArrays second = arrays.NextMessage();
        Assert.NotSame(firstValues, second.Get(3, 8));
        firstLoan.EnsureValid();

        IValueArrays third = arrays.NextMessage();
        Assert.Same(firstValues, third.Get(3, 8));
        var e = Assert.Throws<InvalidOperationException>(firstLoan.EnsureValid);
        Assert.Contains("the replies to worker-1", e.Message);
    }
    [Fact]
    public void Messages_that_carry_other_chunks_do_not_end_a_received_chunks_loan()
    {
        var arrays = new ReceiveArrays("the pushes of worker-1");
        IValueArrays partA = arrays.NextMessage();
        float[] chunk3 = partA.Get(chunk: 3, length: 8);
        Loan loan3 = partA.Loan;

        // The other parts of the push, then of the next push, carry chunk 5 only: chunk 3 stays its first message's.
        for (int message = 0; message < 3; message++)
        {
            arrays.NextMessage().Get(chunk: 5, length: 4);
        }
        loan3.EnsureValid();

        arrays.NextMessage().Get(3, 8);
        loan3.EnsureValid();
        Assert.Same(chunk3, arrays.NextMessage().Get(3, 8));
        Assert.Throws<InvalidOperationException>(loan3.EnsureValid);
    }
}
